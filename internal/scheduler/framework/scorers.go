package framework

import (
	"math"

	corev1 "k8s.io/api/core/v1"
)

// MaxNodeScore is the top of every scorer's normalised range.
const MaxNodeScore int64 = 100

// Scorer ranks the nodes that passed every filter. PreScore sees the whole
// feasible list once (for counts that span nodes), Score runs per node and
// may run concurrently, Normalize maps raw scores onto 0..MaxNodeScore.
type Scorer interface {
	Name() string
	PreScore(st *CycleState, snap *Snapshot, feasible []*NodeInfo)
	Score(st *CycleState, ni *NodeInfo) int64
	Normalize(st *CycleState, scores []int64)
}

// LeastAllocated prefers nodes with the most cpu and memory left after
// placing the pod (equal weights), which spreads load.
type LeastAllocated struct{}

// Name implements Scorer.
func (LeastAllocated) Name() string { return "NodeResourcesFit" }

// PreScore implements Scorer.
func (LeastAllocated) PreScore(*CycleState, *Snapshot, []*NodeInfo) {}

// Score implements Scorer.
func (LeastAllocated) Score(st *CycleState, ni *NodeInfo) int64 {
	cpu := leastAllocated(ni.NonZeroMilliCPU+st.pod.NonZeroMilliCPU, ni.Allocatable.MilliCPU)
	mem := leastAllocated(ni.NonZeroMemory+st.pod.NonZeroMemory, ni.Allocatable.Memory)
	return (cpu + mem) / 2
}

// Normalize implements Scorer; scores are already in range.
func (LeastAllocated) Normalize(*CycleState, []int64) {}

func leastAllocated(requested, capacity int64) int64 {
	if capacity <= 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * MaxNodeScore / capacity
}

// BalancedAllocation prefers nodes whose cpu and memory would be used in
// the same proportion, so neither is stranded.
type BalancedAllocation struct{}

// Name implements Scorer.
func (BalancedAllocation) Name() string { return "NodeResourcesBalancedAllocation" }

// PreScore implements Scorer.
func (BalancedAllocation) PreScore(*CycleState, *Snapshot, []*NodeInfo) {}

// Score implements Scorer.
func (BalancedAllocation) Score(st *CycleState, ni *NodeInfo) int64 {
	cpu := fraction(ni.NonZeroMilliCPU+st.pod.NonZeroMilliCPU, ni.Allocatable.MilliCPU)
	mem := fraction(ni.NonZeroMemory+st.pod.NonZeroMemory, ni.Allocatable.Memory)
	std := math.Abs(cpu-mem) / 2
	return int64((1 - std) * float64(MaxNodeScore))
}

// Normalize implements Scorer; scores are already in range.
func (BalancedAllocation) Normalize(*CycleState, []int64) {}

func fraction(requested, capacity int64) float64 {
	if capacity <= 0 {
		return 1
	}
	return math.Min(1, float64(requested)/float64(capacity))
}

// NodeAffinityPreference adds the weights of the preferred node affinity
// terms a node matches.
type NodeAffinityPreference struct{}

// Name implements Scorer.
func (NodeAffinityPreference) Name() string { return "NodeAffinity" }

// PreScore implements Scorer.
func (NodeAffinityPreference) PreScore(*CycleState, *Snapshot, []*NodeInfo) {}

// Score implements Scorer.
func (NodeAffinityPreference) Score(st *CycleState, ni *NodeInfo) int64 {
	a := st.pod.Pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil {
		return 0
	}
	var sum int64
	for i := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		p := &a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution[i]
		if p.Weight != 0 && termMatches(&p.Preference, ni.Node) {
			sum += int64(p.Weight)
		}
	}
	return sum
}

// Normalize implements Scorer.
func (NodeAffinityPreference) Normalize(_ *CycleState, scores []int64) { normalize(scores, false) }

// TaintPreference prefers nodes with fewer PreferNoSchedule taints the pod
// does not tolerate.
type TaintPreference struct{}

// Name implements Scorer.
func (TaintPreference) Name() string { return "TaintToleration" }

// PreScore implements Scorer.
func (TaintPreference) PreScore(*CycleState, *Snapshot, []*NodeInfo) {}

// Score implements Scorer.
func (TaintPreference) Score(st *CycleState, ni *NodeInfo) int64 {
	var n int64
	for i := range ni.Node.Spec.Taints {
		t := &ni.Node.Spec.Taints[i]
		if t.Effect == corev1.TaintEffectPreferNoSchedule && !tolerates(st.pod.Pod.Spec.Tolerations, t) {
			n++
		}
	}
	return n
}

// Normalize implements Scorer; more untolerated taints score lower.
func (TaintPreference) Normalize(_ *CycleState, scores []int64) { normalize(scores, true) }

// normalize scales scores so the highest becomes MaxNodeScore; reverse
// turns counts of bad things into scores (and an all-zero list into all
// MaxNodeScore), as Kubernetes' default normaliser does.
func normalize(scores []int64, reverse bool) {
	var highest int64
	for _, s := range scores {
		highest = max(highest, s)
	}
	for i, s := range scores {
		switch {
		case highest == 0 && reverse:
			scores[i] = MaxNodeScore
		case highest == 0:
			scores[i] = 0
		case reverse:
			scores[i] = MaxNodeScore - s*MaxNodeScore/highest
		default:
			scores[i] = s * MaxNodeScore / highest
		}
	}
}
