package framework

import (
	"math/rand"
	"sync/atomic"
)

// weightedScorer is a scorer with its weight in the total.
type weightedScorer struct {
	Scorer
	weight int64
}

// Algorithm is the filter-then-score chain. It keeps only a rotating start
// index and a random source for ties between cycles, and must be used by
// one scheduling loop at a time.
type Algorithm struct {
	filters []Filter
	scorers []weightedScorer
	workers int
	// percentage of nodes to find feasible before scoring; 0 is adaptive.
	percentage int
	next       int
	rand       *rand.Rand
}

// Config tunes the algorithm.
type Config struct {
	// Parallelism is the number of goroutines filtering and counting
	// (default 2, the machines we target).
	Parallelism int
	// PercentageOfNodesToScore stops filtering once that share of the
	// nodes (at least 100) proved feasible; 0 picks Kubernetes' adaptive
	// 50% − nodes/125 (floor 5%); 100 always scores every node.
	PercentageOfNodesToScore int
	// Seed seeds tie-breaking between equally scored nodes.
	Seed int64
}

// New wires the default chain. Filters run in this order and a node stops
// at its first rejection, so the cheap checks that depend only on the node
// object go first, the resource arithmetic next, and the checks that need
// the cycle's per-domain counts last; the order also decides which reason a
// node reports (a tainted, full node reports its taint, as in Kubernetes).
func New(cfg Config) *Algorithm {
	if cfg.Parallelism <= 0 {
		cfg.Parallelism = 2
	}
	return &Algorithm{
		filters: []Filter{
			NodeUnschedulable{}, // cordoned nodes: one field
			NodeName{},          // pods pinned by name
			TaintToleration{},   // NoSchedule/NoExecute taints
			NodeAffinity{},      // nodeSelector and required node affinity
			NodePorts{},         // host port conflicts
			NodeResourcesFit{},  // requests vs allocatable, pod count
			PodTopologySpread{}, // DoNotSchedule skew, from cycle counts
			InterPodAffinity{},  // required (anti-)affinity, from cycle counts
		},
		// Weights are kube-scheduler's defaults: user intent (affinity,
		// spreading, taint preferences) outweighs plain load balancing.
		scorers: []weightedScorer{
			{LeastAllocated{}, 1},
			{BalancedAllocation{}, 1},
			{NodeAffinityPreference{}, 2},
			{TaintPreference{}, 3},
			{InterPodAffinityPreference{Workers: cfg.Parallelism}, 2},
			{SpreadPreference{Workers: cfg.Parallelism}, 2},
			{ImageLocality{}, 1},
		},
		workers:    cfg.Parallelism,
		percentage: cfg.PercentageOfNodesToScore,
		rand:       rand.New(rand.NewSource(cfg.Seed)),
	}
}

// Workers is the configured parallelism.
func (a *Algorithm) Workers() int { return a.workers }

// Result is a successful placement.
type Result struct {
	Node      string
	Evaluated int
	Feasible  int
}

// Schedule picks a node for the pod in snap. It returns a *FitError when no
// node fits; its statuses feed preemption.
func (a *Algorithm) Schedule(pi *PodInfo, snap *Snapshot) (Result, *CycleState, error) {
	if len(snap.Nodes) == 0 {
		return Result{}, nil, &FitError{Pod: pi.Pod, Statuses: map[string]*Status{}}
	}
	st := NewCycleState(pi, snap, a.workers)
	// A pod nominated by an earlier preemption tries its node first, so
	// the room it evicted for is used without a full pass.
	if nn := pi.Pod.Status.NominatedNodeName; nn != "" {
		if ni := snap.Get(nn); ni != nil && ni.Node != nil && a.RunFilters(st, ni) == nil {
			return Result{Node: nn, Evaluated: 1, Feasible: 1}, st, nil
		}
	}
	feasible, statuses := a.findFeasible(st, snap)
	if len(feasible) == 0 {
		return Result{}, st, &FitError{Pod: pi.Pod, NumAllNodes: len(snap.Nodes), Statuses: statuses}
	}
	if len(feasible) == 1 {
		return Result{Node: feasible[0].Node.Name, Evaluated: len(statuses) + 1, Feasible: 1}, st, nil
	}
	totals := a.score(st, snap, feasible)
	return Result{Node: a.pick(feasible, totals), Evaluated: len(statuses) + len(feasible), Feasible: len(feasible)}, st, nil
}

// RunFilters runs the chain on one node and returns the first rejection.
func (a *Algorithm) RunFilters(st *CycleState, ni *NodeInfo) *Status {
	for _, f := range a.filters {
		if s := f.Filter(st, ni); s != nil {
			return s
		}
	}
	return nil
}

// numFeasibleToFind is how many feasible nodes are enough to score.
func (a *Algorithm) numFeasibleToFind(n int) int {
	const minFeasible = 100
	if n < minFeasible || a.percentage >= 100 {
		return n
	}
	pct := a.percentage
	if pct <= 0 {
		pct = max(5, 50-n/125)
	}
	return max(minFeasible, n*pct/100)
}

// findFeasible filters nodes in parallel from a rotating start (so every
// node gets its turn when the search stops early) until enough fit.
func (a *Algorithm) findFeasible(st *CycleState, snap *Snapshot) ([]*NodeInfo, map[string]*Status) {
	n := len(snap.Nodes)
	want := int64(a.numFeasibleToFind(n))
	start := a.next % n
	feasible := make([]*NodeInfo, n)
	rejected := make([]*Status, n)
	var found, processed atomic.Int64
	parallelize(a.workers, n, func(i int) {
		if found.Load() >= want {
			return
		}
		processed.Add(1)
		ni := snap.Nodes[(start+i)%n]
		if ni.Node == nil {
			rejected[i] = statusNodeNotFound
			return
		}
		if s := a.RunFilters(st, ni); s != nil {
			rejected[i] = s
			return
		}
		if found.Add(1) <= want {
			feasible[i] = ni
		}
	})
	a.next = (start + int(processed.Load())) % n
	var out []*NodeInfo
	statuses := map[string]*Status{}
	for i := 0; i < n; i++ {
		if feasible[i] != nil {
			out = append(out, feasible[i])
		} else if rejected[i] != nil {
			statuses[snap.Nodes[(start+i)%n].Name()] = rejected[i]
		}
	}
	return out, statuses
}

// score runs every scorer over the feasible nodes and sums the weighted,
// normalised scores.
func (a *Algorithm) score(st *CycleState, snap *Snapshot, feasible []*NodeInfo) []int64 {
	st.scoring = feasible
	totals := make([]int64, len(feasible))
	scores := make([]int64, len(feasible))
	for _, s := range a.scorers {
		s.PreScore(st, snap, feasible)
		parallelize(a.workers, len(feasible), func(i int) { scores[i] = s.Score(st, feasible[i]) })
		s.Normalize(st, scores)
		for i := range scores {
			totals[i] += s.weight * scores[i]
		}
	}
	return totals
}

// pick returns the best node, choosing uniformly among ties.
func (a *Algorithm) pick(nodes []*NodeInfo, totals []int64) string {
	best, ties := 0, 1
	for i := 1; i < len(nodes); i++ {
		switch {
		case totals[i] > totals[best]:
			best, ties = i, 1
		case totals[i] == totals[best]:
			ties++
			if a.rand.Intn(ties) == 0 {
				best = i
			}
		}
	}
	return nodes[best].Node.Name
}
