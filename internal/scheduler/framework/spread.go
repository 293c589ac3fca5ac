package framework

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Kubernetes' system default spreading for pods of a Service, ReplicaSet,
// StatefulSet or ReplicationController that state no constraints of their
// own: gently across hosts, more gently across zones.
const (
	defaultHostnameSkew = 3
	defaultZoneSkew     = 5
)

// spreadConstraint is a topology spread constraint with its selector parsed
// and its policies resolved to booleans.
type spreadConstraint struct {
	key           string
	maxSkew       int
	minDomains    int
	selector      labels.Selector
	honorAffinity bool
	honorTaints   bool
	selfMatch     int
	// memoKey names (namespace, selector) in per-node count memos.
	memoKey memoKey
}

// spreadConstraints returns the pod's constraints with the given
// whenUnsatisfiable action.
func spreadConstraints(pod *corev1.Pod, action corev1.UnsatisfiableConstraintAction) []spreadConstraint {
	var out []spreadConstraint
	for i := range pod.Spec.TopologySpreadConstraints {
		c := &pod.Spec.TopologySpreadConstraints[i]
		if c.WhenUnsatisfiable != action {
			continue
		}
		sc := spreadConstraint{
			key: c.TopologyKey, maxSkew: int(c.MaxSkew), minDomains: 1,
			selector:      mergeLabelKeys(c.LabelSelector, pod, c.MatchLabelKeys, nil),
			honorAffinity: c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor,
			honorTaints:   c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor,
		}
		if c.MinDomains != nil {
			sc.minDomains = int(*c.MinDomains)
		}
		if sc.selector.Matches(labels.Set(pod.Labels)) {
			sc.selfMatch = 1
		}
		sc.memoKey = selectorKey(pod.Namespace, sc.selector)
		out = append(out, sc)
	}
	return out
}

// defaultSpreadConstraints are the system defaults for a pod whose owners
// the shell resolved into pi.DefaultSpread.
func defaultSpreadConstraints(pi *PodInfo) []spreadConstraint {
	if pi.DefaultSpread == nil || pi.DefaultSpread.Empty() {
		return nil
	}
	self := 0
	if pi.DefaultSpread.Matches(labels.Set(pi.Pod.Labels)) {
		self = 1
	}
	key := selectorKey(pi.Pod.Namespace, pi.DefaultSpread)
	return []spreadConstraint{
		{key: corev1.LabelHostname, maxSkew: defaultHostnameSkew, minDomains: 1, selector: pi.DefaultSpread, honorAffinity: true, selfMatch: self, memoKey: key},
		{key: corev1.LabelTopologyZone, maxSkew: defaultZoneSkew, minDomains: 1, selector: pi.DefaultSpread, honorAffinity: true, selfMatch: self, memoKey: key},
	}
}

// nodeEligible reports whether a node's domain counts for c at all.
func (c *spreadConstraint) nodeEligible(st *CycleState, node *corev1.Node) bool {
	if c.honorAffinity && !st.nodes.matches(node) {
		return false
	}
	if c.honorTaints && untoleratedTaint(st.pod.Pod, node) != nil {
		return false
	}
	return true
}

// countMatching counts the live pods on ni in namespace ns that sel selects.
func countMatching(ni *NodeInfo, ns string, sel labels.Selector) int {
	n := 0
	for _, p := range ni.Pods {
		if p.Pod.Namespace == ns && p.Pod.DeletionTimestamp == nil && sel.Matches(labels.Set(p.Pod.Labels)) {
			n++
		}
	}
	return n
}

// computeSpread counts matching pods per domain for the DoNotSchedule
// constraints, over nodes that carry every constraint's key, and finds
// each constraint's least-loaded domain.
func (st *CycleState) computeSpread(snap *Snapshot, workers int) {
	st.spread = spreadConstraints(st.pod.Pod, corev1.DoNotSchedule)
	if len(st.spread) == 0 {
		return
	}
	tables := make([]*nodeTable[int], len(st.spread))
	for c := range st.spread {
		tables[c] = table[int](snap, st.spread[c].memoKey)
	}
	if allIndependent(st, st.spread) {
		st.spreadCounts = st.domainSpreadCounts(snap, tables)
	} else {
		st.spreadCounts = st.walkSpreadCounts(snap, tables, workers)
	}
	st.spreadMin = make([]int, len(st.spread))
	for c := range st.spread {
		lowest := math.MaxInt
		for _, n := range st.spreadCounts[c] {
			lowest = min(lowest, n)
		}
		if lowest == math.MaxInt || len(st.spreadCounts[c]) < st.spread[c].minDomains {
			lowest = 0
		}
		st.spreadMin[c] = lowest
	}
}

// domainSpreadCounts reads the per-domain counts from the snapshot's domain
// tables, when every node carrying all the keys is eligible for this pod.
func (st *CycleState) domainSpreadCounts(snap *Snapshot, tables []*nodeTable[int]) []map[string]int {
	ns := st.pod.Pod.Namespace
	required := constraintKeys(st.spread)
	out := make([]map[string]int, len(st.spread))
	st.spreadDomains = make([]*domainTable, len(st.spread))
	for c := range st.spread {
		sc, tbl := &st.spread[c], tables[c]
		t := domains(snap, sc.memoKey, sc.key, required, func(ni *NodeInfo) int {
			return countSelected(tbl, ni, ns, sc.selector)
		})
		st.spreadDomains[c] = t
		out[c] = make(map[string]int, len(t.totals))
		for v, tot := range t.totals {
			out[c][v] = tot.count
		}
	}
	return out
}

// walkSpreadCounts counts over every node, for pods whose node affinity or
// tolerations leave some nodes' domains out.
func (st *CycleState) walkSpreadCounts(snap *Snapshot, tables []*nodeTable[int], workers int) []map[string]int {
	ns := st.pod.Pod.Namespace
	perNode := make([][]int, len(snap.Nodes))
	parallelize(workers, len(snap.Nodes), func(i int) {
		ni := snap.Nodes[i]
		if ni.Node == nil {
			return
		}
		for c := range st.spread {
			if _, ok := ni.Node.Labels[st.spread[c].key]; !ok {
				return
			}
		}
		counts := make([]int, len(st.spread))
		for c := range st.spread {
			if !st.spread[c].nodeEligible(st, ni.Node) {
				counts[c] = -1
				continue
			}
			counts[c] = countSelected(tables[c], ni, ns, st.spread[c].selector)
		}
		perNode[i] = counts
	})
	out := make([]map[string]int, len(st.spread))
	for c := range st.spread {
		out[c] = map[string]int{}
	}
	for i, counts := range perNode {
		for c, n := range counts {
			if n >= 0 {
				out[c][snap.Nodes[i].Node.Labels[st.spread[c].key]] += n
			}
		}
	}
	return out
}

// PodTopologySpread enforces DoNotSchedule constraints: placing the pod on
// the node must not push its domain more than maxSkew above the least
// loaded eligible domain.
type PodTopologySpread struct{}

// Name implements Filter.
func (PodTopologySpread) Name() string { return "PodTopologySpread" }

// Filter implements Filter.
func (PodTopologySpread) Filter(st *CycleState, ni *NodeInfo) *Status {
	if len(st.spreadDomains) > 0 {
		if i := ni.snapIndex; i >= 0 && i < len(st.spreadDomains[0].nodes) && st.spreadDomains[0].nodes[i] == ni &&
			st.spreadDomains[0].objs[i] == ni.Node && st.spreadDomains[0].in[i] {
			return st.filterFromDomains(i)
		}
	}
	for c := range st.spread {
		sc := &st.spread[c]
		v, ok := ni.Node.Labels[sc.key]
		if !ok {
			return statusSpreadMissingKey
		}
		if st.spreadCounts[c][v]+sc.selfMatch-st.spreadMin[c] > sc.maxSkew {
			return statusSpread
		}
	}
	return nil
}

// filterFromDomains is Filter for node i of the snapshot, which carries
// every constraint's key: its domains are read from the tables by index,
// not looked up in its label map, once per node the search visits.
func (st *CycleState) filterFromDomains(i int) *Status {
	for c, t := range st.spreadDomains {
		sc := &st.spread[c]
		if st.spreadCounts[c][t.values[i]]+sc.selfMatch-st.spreadMin[c] > sc.maxSkew {
			return statusSpread
		}
	}
	return nil
}
