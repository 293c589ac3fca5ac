package framework

import (
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// topologyPair is one topology domain: a node label key and its value.
type topologyPair struct{ key, value string }

// CycleState is everything about the incoming pod that one scheduling cycle
// computes once, before looking at nodes one by one: requests, its node
// placement rules, and the counts of matching pods per topology domain that
// the inter-pod affinity and topology spread filters compare against.
type CycleState struct {
	snap     *Snapshot
	pod      *PodInfo
	nodes    nodeMatcher
	nsLabels labels.Set

	// affinityCounts: pods matching all the pod's required affinity terms,
	// per domain of each term's key. antiAffinityCounts: pods matching each
	// required anti-affinity term. existingAnti: domains (key → value →
	// count) where an existing pod's required anti-affinity selects this pod.
	affinityCounts     map[topologyPair]int
	antiAffinityCounts map[topologyPair]int
	existingAnti       map[string]map[string]int
	matchesOwnAffinity bool
	spread             []spreadConstraint
	spreadCounts       []map[string]int
	spreadMin          []int
	// spreadDomains, when set, hold each DoNotSchedule constraint's node
	// domains by snapshot index (see domainSpreadCounts).
	spreadDomains []*domainTable

	// Scoring state, filled by the scorers' PreScore.
	affinityScores map[string]map[string]int64
	spreadScore    *spreadScoreState
	images         *imageState
	// scoring is the node list being scored, index-aligned with scores.
	scoring []*NodeInfo
}

// NewCycleState precomputes the per-pod state against snap, walking the
// pods of the cluster at most once per kind of rule and in parallel.
func NewCycleState(pi *PodInfo, snap *Snapshot, workers int) *CycleState {
	st := &CycleState{snap: snap, pod: pi, nodes: newNodeMatcher(pi.Pod), nsLabels: snap.NamespaceLabels[pi.Pod.Namespace]}
	st.computeInterPod(snap, workers)
	st.computeSpread(snap, workers)
	return st
}

// Pod is the incoming pod.
func (st *CycleState) Pod() *PodInfo { return st.pod }

func (st *CycleState) computeInterPod(snap *Snapshot, workers int) {
	pi := st.pod
	st.matchesOwnAffinity = true
	for i := range pi.RequiredAffinity {
		if !pi.RequiredAffinity[i].Matches(pi.Pod, st.nsLabels) {
			st.matchesOwnAffinity = false
		}
	}
	needAll := len(pi.RequiredAffinity)+len(pi.RequiredAntiAffinity) > 0
	st.affinityCounts = map[topologyPair]int{}
	st.antiAffinityCounts = map[topologyPair]int{}
	st.existingAnti = map[string]map[string]int{}
	existingKey := podLabelsKey(pi.Pod, st.nsLabels)
	affKey := memoKey(-1)
	if len(pi.RequiredAffinity) == 1 {
		affKey = pi.RequiredAffinity[0].key
	} else if len(pi.RequiredAffinity) > 1 {
		all := "a:"
		for i := range pi.RequiredAffinity {
			all += fmt.Sprint(pi.RequiredAffinity[i].key, "&")
		}
		affKey = intern(all)
	}
	existingTbl := table[map[string]int](snap, existingKey)
	affTbl := table[int](snap, affKey)
	antiTbls := make([]*nodeTable[int], len(pi.RequiredAntiAffinity))
	for t := range pi.RequiredAntiAffinity {
		antiTbls[t] = table[int](snap, pi.RequiredAntiAffinity[t].key)
	}
	var mu sync.Mutex
	parallelize(workers, len(snap.Nodes), func(i int) {
		ni := snap.Nodes[i]
		if ni.Node == nil {
			return
		}
		nl := ni.Node.Labels
		var aff, anti, existing map[topologyPair]int
		if len(ni.PodsWithRequiredAntiAffinity) > 0 {
			for key, n := range existingAntiAffinity(existingTbl, ni, pi.Pod, st.nsLabels) {
				if v, ok := nl[key]; ok {
					existing = add(existing, topologyPair{key, v}, n)
				}
			}
		}
		if needAll && len(ni.Pods) > 0 {
			if len(pi.RequiredAffinity) > 0 {
				if n := snap.countTerms(affTbl, ni, pi.RequiredAffinity); n > 0 {
					for t := range pi.RequiredAffinity {
						if v, ok := nl[pi.RequiredAffinity[t].TopologyKey]; ok {
							aff = add(aff, topologyPair{pi.RequiredAffinity[t].TopologyKey, v}, n)
						}
					}
				}
			}
			for t := range pi.RequiredAntiAffinity {
				term := &pi.RequiredAntiAffinity[t]
				if v, ok := nl[term.TopologyKey]; ok {
					if n := snap.countTerms(antiTbls[t], ni, pi.RequiredAntiAffinity[t:t+1]); n > 0 {
						anti = add(anti, topologyPair{term.TopologyKey, v}, n)
					}
				}
			}
		}
		if aff == nil && anti == nil && existing == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for k, v := range aff {
			st.affinityCounts[k] += v
		}
		for k, v := range anti {
			st.antiAffinityCounts[k] += v
		}
		for k, v := range existing {
			m := st.existingAnti[k.key]
			if m == nil {
				m = map[string]int{}
				st.existingAnti[k.key] = m
			}
			m[k.value] += v
		}
	})
}

func matchesAll(terms []AffinityTerm, pod *corev1.Pod, nsLabels labels.Set) bool {
	for i := range terms {
		if !terms[i].Matches(pod, nsLabels) {
			return false
		}
	}
	return true
}

func add(m map[topologyPair]int, k topologyPair, n int) map[topologyPair]int {
	if m == nil {
		m = map[topologyPair]int{}
	}
	m[k] += n
	return m
}

// untoleratedTaint returns the first NoSchedule or NoExecute taint the pod
// does not tolerate, or nil.
func untoleratedTaint(pod *corev1.Pod, node *corev1.Node) *corev1.Taint {
	for i := range node.Spec.Taints {
		t := &node.Spec.Taints[i]
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		if !tolerates(pod.Spec.Tolerations, t) {
			return t
		}
	}
	return nil
}
