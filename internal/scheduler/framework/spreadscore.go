package framework

import (
	"math"

	corev1 "k8s.io/api/core/v1"
)

// SpreadPreference scores ScheduleAnyway constraints, or the system default
// spreading when the pod states no constraints: fewer matching pods in the
// node's domains scores higher, each constraint weighted by the log of its
// number of domains so a few zones do not drown thousands of hosts.
type SpreadPreference struct{ Workers int }

// Name implements Scorer.
func (SpreadPreference) Name() string { return "PodTopologySpread" }

// spreadScoreState is SpreadPreference's per-cycle state.
type spreadScoreState struct {
	constraints []spreadConstraint
	requireAll  bool
	counts      []map[string]int
	weights     []float64
	ignored     map[string]bool
	tables      []*nodeTable[int]
	// domains, when set, hold each constraint's per-node domain and count
	// by snapshot index (see fromDomains).
	domains []*domainTable
}

// PreScore implements Scorer. Hostname domains are counted in Score (one
// node each); wider domains are counted here over every eligible node.
func (s SpreadPreference) PreScore(st *CycleState, snap *Snapshot, feasible []*NodeInfo) {
	st.spreadScore = nil
	pod := st.pod.Pod
	var cs []spreadConstraint
	requireAll := len(pod.Spec.TopologySpreadConstraints) > 0
	if requireAll {
		cs = spreadConstraints(pod, corev1.ScheduleAnyway)
	} else {
		cs = defaultSpreadConstraints(st.pod)
	}
	if len(cs) == 0 {
		return
	}
	ss := &spreadScoreState{constraints: cs, requireAll: requireAll, ignored: map[string]bool{}}
	ss.counts = make([]map[string]int, len(cs))
	ss.weights = make([]float64, len(cs))
	ss.tables = make([]*nodeTable[int], len(cs))
	for c := range cs {
		ss.counts[c] = map[string]int{}
		ss.tables[c] = table[int](snap, cs[c].memoKey)
	}
	if allIndependent(st, cs) && s.fromDomains(st, snap, feasible, ss) {
		st.spreadScore = ss
		return
	}
	for _, ni := range feasible {
		if requireAll && !hasAllKeys(ni, cs) {
			ss.ignored[ni.Node.Name] = true
			continue
		}
		for c := range cs {
			if v, ok := ni.Node.Labels[cs[c].key]; ok && cs[c].key != corev1.LabelHostname {
				ss.counts[c][v] = 0
			}
		}
	}
	ss.setWeights(len(feasible))
	ns := pod.Namespace
	perNode := make([][]int, len(snap.Nodes))
	parallelize(s.Workers, len(snap.Nodes), func(i int) {
		ni := snap.Nodes[i]
		if ni.Node == nil || (requireAll && !hasAllKeys(ni, cs)) {
			return
		}
		var counts []int
		for c := range cs {
			v, ok := ni.Node.Labels[cs[c].key]
			if !ok || cs[c].key == corev1.LabelHostname || !cs[c].nodeEligible(st, ni.Node) {
				continue
			}
			if _, wanted := ss.counts[c][v]; !wanted {
				continue
			}
			if counts == nil {
				counts = make([]int, len(cs))
			}
			counts[c] = countSelected(ss.tables[c], ni, ns, cs[c].selector)
		}
		perNode[i] = counts
	})
	for i, counts := range perNode {
		for c, n := range counts {
			if n > 0 {
				ss.counts[c][snap.Nodes[i].Node.Labels[cs[c].key]] += n
			}
		}
	}
	st.spreadScore = ss
}

// setWeights weighs each constraint by the log of its number of domains.
func (ss *spreadScoreState) setWeights(feasible int) {
	for c := range ss.constraints {
		size := len(ss.counts[c])
		if ss.constraints[c].key == corev1.LabelHostname {
			size = feasible - len(ss.ignored)
		}
		ss.weights[c] = math.Log(float64(size + 2))
	}
}

// fromDomains fills ss as PreScore's walk over every node would, from the
// snapshot's domain tables, when no node is excluded for this pod alone:
// each node's domain and count are read by its snapshot index instead of
// from its labels, whose maps, one per node, were most of a cycle's memory
// traffic. It reports false, having changed nothing, when a feasible node
// is not the snapshot's own.
func (SpreadPreference) fromDomains(st *CycleState, snap *Snapshot, feasible []*NodeInfo, ss *spreadScoreState) bool {
	for _, ni := range feasible {
		if i := ni.snapIndex; i < 0 || i >= len(snap.Nodes) || snap.Nodes[i] != ni {
			return false
		}
	}
	var required []string
	if ss.requireAll {
		required = constraintKeys(ss.constraints)
	}
	ns := st.pod.Pod.Namespace
	ss.domains = make([]*domainTable, len(ss.constraints))
	for c := range ss.constraints {
		sc, tbl := &ss.constraints[c], ss.tables[c]
		ss.domains[c] = domains(snap, sc.memoKey, sc.key, required, func(ni *NodeInfo) int {
			return countSelected(tbl, ni, ns, sc.selector)
		})
	}
	for _, ni := range feasible {
		i := ni.snapIndex
		if ss.requireAll && !ss.domains[0].in[i] {
			ss.ignored[ni.Node.Name] = true
			continue
		}
		for c, t := range ss.domains {
			if t.in[i] && ss.constraints[c].key != corev1.LabelHostname {
				ss.counts[c][t.values[i]] = 0
			}
		}
	}
	ss.setWeights(len(feasible))
	for c, t := range ss.domains {
		if ss.constraints[c].key == corev1.LabelHostname {
			continue
		}
		for v := range ss.counts[c] {
			if tot, ok := t.totals[v]; ok {
				ss.counts[c][v] = tot.count
			}
		}
	}
	return true
}

func hasAllKeys(ni *NodeInfo, cs []spreadConstraint) bool {
	for c := range cs {
		if _, ok := ni.Node.Labels[cs[c].key]; !ok {
			return false
		}
	}
	return true
}

// Score implements Scorer; the raw score grows with the matching pods
// already in the node's domains.
func (SpreadPreference) Score(st *CycleState, ni *NodeInfo) int64 {
	ss := st.spreadScore
	if ss == nil || (len(ss.ignored) > 0 && ss.ignored[ni.Node.Name]) {
		return 0
	}
	if ss.domains != nil {
		return ss.scoreFromDomains(ni.snapIndex)
	}
	var score float64
	for c := range ss.constraints {
		sc := &ss.constraints[c]
		v, ok := ni.Node.Labels[sc.key]
		if !ok {
			continue
		}
		var n int
		if sc.key == corev1.LabelHostname {
			n = countSelected(ss.tables[c], ni, st.pod.Pod.Namespace, sc.selector)
		} else {
			n = ss.counts[c][v]
		}
		score += float64(n)*ss.weights[c] + float64(sc.maxSkew-1)
	}
	return int64(math.Round(score))
}

// scoreFromDomains is Score reading node i's domains and counts from the
// tables fromDomains filled.
func (ss *spreadScoreState) scoreFromDomains(i int) int64 {
	var score float64
	for c, t := range ss.domains {
		if !t.in[i] {
			continue
		}
		sc := &ss.constraints[c]
		n := t.counts[i]
		if sc.key != corev1.LabelHostname {
			n = ss.counts[c][t.values[i]]
		}
		score += float64(n)*ss.weights[c] + float64(sc.maxSkew-1)
	}
	return int64(math.Round(score))
}

// Normalize implements Scorer: the emptiest domains get MaxNodeScore;
// nodes missing a required key get 0.
func (SpreadPreference) Normalize(st *CycleState, scores []int64) {
	ss := st.spreadScore
	if ss == nil {
		for i := range scores {
			scores[i] = 0
		}
		return
	}
	// Reading a node's name is a memory access per node; skip it when
	// nothing is ignored, the common case.
	ign := len(ss.ignored) > 0
	lo, hi := int64(math.MaxInt64), int64(0)
	for i, s := range scores {
		if ign && st.scoring[i] != nil && ss.ignored[st.scoring[i].Node.Name] {
			continue
		}
		lo, hi = min(lo, s), max(hi, s)
	}
	for i, s := range scores {
		switch {
		case ign && ss.ignored[st.scoring[i].Node.Name]:
			scores[i] = 0
		case hi == 0:
			scores[i] = MaxNodeScore
		default:
			scores[i] = MaxNodeScore * (hi + lo - s) / hi
		}
	}
}
