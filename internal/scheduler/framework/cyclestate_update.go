package framework

import (
	"math"

	"k8s.io/apimachinery/pkg/labels"
)

// hasPodCounts reports whether the state holds counts of other pods that a
// preemption dry run must adjust as it removes and re-adds victims.
func (st *CycleState) hasPodCounts() bool {
	return len(st.pod.RequiredAffinity)+len(st.pod.RequiredAntiAffinity)+len(st.existingAnti)+len(st.spread) > 0
}

// clone copies the per-domain counts so a dry run can change them.
func (st *CycleState) clone() *CycleState {
	c := *st
	c.affinityCounts = copyPairs(st.affinityCounts)
	c.antiAffinityCounts = copyPairs(st.antiAffinityCounts)
	c.existingAnti = make(map[string]map[string]int, len(st.existingAnti))
	for k, m := range st.existingAnti {
		c.existingAnti[k] = copyCounts(m)
	}
	c.spreadCounts = make([]map[string]int, len(st.spreadCounts))
	for i, m := range st.spreadCounts {
		c.spreadCounts[i] = copyCounts(m)
	}
	c.spreadMin = append([]int(nil), st.spreadMin...)
	return &c
}

// updateWithPod adjusts the counts for pod p appearing on (delta 1) or
// leaving (delta -1) node ni, the way computeInterPod and computeSpread
// would have counted it.
func (st *CycleState) updateWithPod(p *PodInfo, ni *NodeInfo, delta int) {
	nl := ni.Node.Labels
	nsl := st.snap.NamespaceLabels[p.Pod.Namespace]
	pi := st.pod
	if len(pi.RequiredAffinity) > 0 && matchesAll(pi.RequiredAffinity, p.Pod, nsl) {
		for t := range pi.RequiredAffinity {
			if v, ok := nl[pi.RequiredAffinity[t].TopologyKey]; ok {
				bump(st.affinityCounts, topologyPair{pi.RequiredAffinity[t].TopologyKey, v}, delta)
			}
		}
	}
	for t := range pi.RequiredAntiAffinity {
		term := &pi.RequiredAntiAffinity[t]
		if v, ok := nl[term.TopologyKey]; ok && term.Matches(p.Pod, nsl) {
			bump(st.antiAffinityCounts, topologyPair{term.TopologyKey, v}, delta)
		}
	}
	for t := range p.RequiredAntiAffinity {
		term := &p.RequiredAntiAffinity[t]
		if v, ok := nl[term.TopologyKey]; ok && term.Matches(pi.Pod, st.nsLabels) {
			m := st.existingAnti[term.TopologyKey]
			if m == nil {
				m = map[string]int{}
				st.existingAnti[term.TopologyKey] = m
			}
			m[v] += delta
		}
	}
	if len(st.spread) == 0 || p.Pod.Namespace != pi.Pod.Namespace || p.Pod.DeletionTimestamp != nil {
		return
	}
	for c := range st.spread {
		if _, ok := nl[st.spread[c].key]; !ok {
			return
		}
	}
	for c := range st.spread {
		sc := &st.spread[c]
		if !sc.nodeEligible(st, ni.Node) || !sc.selector.Matches(labels.Set(p.Pod.Labels)) {
			continue
		}
		st.spreadCounts[c][nl[sc.key]] += delta
		lowest := math.MaxInt
		for _, n := range st.spreadCounts[c] {
			lowest = min(lowest, n)
		}
		if lowest == math.MaxInt || len(st.spreadCounts[c]) < sc.minDomains {
			lowest = 0
		}
		st.spreadMin[c] = lowest
	}
}

func bump(m map[topologyPair]int, k topologyPair, delta int) {
	if m[k] += delta; m[k] <= 0 {
		delete(m, k)
	}
}

func copyPairs(m map[topologyPair]int) map[topologyPair]int {
	c := make(map[topologyPair]int, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func copyCounts(m map[string]int) map[string]int {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
