package framework

import (
	"math"
	"sync"
)

// hardAffinityWeight is what an existing pod's required affinity term adds
// when it selects the incoming pod (Kubernetes' hardPodAffinityWeight).
const hardAffinityWeight = 1

// InterPodAffinityPreference scores topology domains by the preferred
// (anti-)affinity of the incoming pod towards existing pods and of existing
// pods towards it; a node scores the sum over the domains it is in.
type InterPodAffinityPreference struct{ Workers int }

// Name implements Scorer.
func (InterPodAffinityPreference) Name() string { return "InterPodAffinity" }

// PreScore implements Scorer.
func (s InterPodAffinityPreference) PreScore(st *CycleState, snap *Snapshot, _ []*NodeInfo) {
	pi := st.pod
	st.affinityScores = nil
	own := len(pi.PreferredAffinity)+len(pi.PreferredAntiAffinity) > 0
	scores := map[string]map[string]int64{}
	var mu sync.Mutex
	parallelize(s.Workers, len(snap.Nodes), func(i int) {
		ni := snap.Nodes[i]
		if ni.Node == nil {
			return
		}
		pods := ni.PodsWithAffinity
		if own {
			pods = ni.Pods
		}
		local := map[string]int64{}
		for _, other := range pods {
			nsl := snap.NamespaceLabels[other.Pod.Namespace]
			for t := range pi.PreferredAffinity {
				if pi.PreferredAffinity[t].Matches(other.Pod, nsl) {
					local[pi.PreferredAffinity[t].TopologyKey] += int64(pi.PreferredAffinity[t].Weight)
				}
			}
			for t := range pi.PreferredAntiAffinity {
				if pi.PreferredAntiAffinity[t].Matches(other.Pod, nsl) {
					local[pi.PreferredAntiAffinity[t].TopologyKey] -= int64(pi.PreferredAntiAffinity[t].Weight)
				}
			}
			for t := range other.RequiredAffinity {
				if other.RequiredAffinity[t].Matches(pi.Pod, st.nsLabels) {
					local[other.RequiredAffinity[t].TopologyKey] += hardAffinityWeight
				}
			}
			for t := range other.PreferredAffinity {
				if other.PreferredAffinity[t].Matches(pi.Pod, st.nsLabels) {
					local[other.PreferredAffinity[t].TopologyKey] += int64(other.PreferredAffinity[t].Weight)
				}
			}
			for t := range other.PreferredAntiAffinity {
				if other.PreferredAntiAffinity[t].Matches(pi.Pod, st.nsLabels) {
					local[other.PreferredAntiAffinity[t].TopologyKey] -= int64(other.PreferredAntiAffinity[t].Weight)
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for key, w := range local {
			v, ok := ni.Node.Labels[key]
			if !ok || w == 0 {
				continue
			}
			if scores[key] == nil {
				scores[key] = map[string]int64{}
			}
			scores[key][v] += w
		}
	})
	if len(scores) > 0 {
		st.affinityScores = scores
	}
}

// Score implements Scorer.
func (InterPodAffinityPreference) Score(st *CycleState, ni *NodeInfo) int64 {
	var sum int64
	for key, values := range st.affinityScores {
		if v, ok := ni.Node.Labels[key]; ok {
			sum += values[v]
		}
	}
	return sum
}

// Normalize implements Scorer: min-max scaling, since raw scores may be
// negative.
func (InterPodAffinityPreference) Normalize(st *CycleState, scores []int64) {
	if st.affinityScores == nil {
		for i := range scores {
			scores[i] = 0
		}
		return
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, s := range scores {
		lo, hi = min(lo, s), max(hi, s)
	}
	for i, s := range scores {
		if hi > lo {
			scores[i] = MaxNodeScore * (s - lo) / (hi - lo)
		} else {
			scores[i] = 0
		}
	}
}
