package framework

import (
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// nodeTable remembers one per-node value (how many of its pods a selector
// matches, say) for every node of a snapshot, by snapshot index. Pods of one
// Deployment share their labels and selectors, so in a rollout nearly every
// count is a repeat; an entry is recomputed only when its node changed (a
// new NodeInfo or a new version of it). Parallel loops split by node, so
// each index is written by one goroutine at a time.
type nodeTable[T any] struct {
	nodes    []*NodeInfo
	versions []uint64
	values   []T
}

func (t *nodeTable[T]) get(ni *NodeInfo, compute func() T) T {
	i := ni.snapIndex
	if i < 0 || i >= len(t.nodes) {
		return compute()
	}
	if t.nodes[i] == ni && t.versions[i] == ni.version {
		return t.values[i]
	}
	v := compute()
	t.nodes[i], t.versions[i], t.values[i] = ni, ni.version, v
	return v
}

// table returns the snapshot's table for key, sized to its node list.
func table[T any](s *Snapshot, key memoKey) *nodeTable[T] {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, _ := s.tables[key].(*nodeTable[T])
	if t == nil || len(t.nodes) != len(s.Nodes) {
		n := len(s.Nodes)
		t = &nodeTable[T]{nodes: make([]*NodeInfo, n), versions: make([]uint64, n), values: make([]T, n)}
		if s.tables == nil {
			s.tables = map[memoKey]any{}
		}
		s.tables[key] = t
	}
	return t
}

// memoKey is an interned memo key: hashing a small integer instead of a
// selector string is what makes a thousand lookups per cycle cheap.
type memoKey int32

// keys interns memo key strings for the life of the process; distinct keys
// are bounded by distinct selectors and label sets, a few per workload.
var keys = struct {
	sync.Mutex
	ids map[string]memoKey
}{ids: map[string]memoKey{}}

func intern(s string) memoKey {
	keys.Lock()
	defer keys.Unlock()
	id, ok := keys.ids[s]
	if !ok {
		id = memoKey(len(keys.ids))
		keys.ids[s] = id
	}
	return id
}

// countSelected counts live pods on ni in namespace ns that sel selects,
// through a table keyed by the (ns, sel) pair.
func countSelected(t *nodeTable[int], ni *NodeInfo, ns string, sel labels.Selector) int {
	return t.get(ni, func() int { return countMatching(ni, ns, sel) })
}

// countTerms counts pods on ni matched by every one of terms, through a
// table keyed by the terms.
func (s *Snapshot) countTerms(t *nodeTable[int], ni *NodeInfo, terms []AffinityTerm) int {
	return t.get(ni, func() int {
		n := 0
		for _, p := range ni.Pods {
			if matchesAll(terms, p.Pod, s.NamespaceLabels[p.Pod.Namespace]) {
				n++
			}
		}
		return n
	})
}

// existingAntiAffinity counts, per topology key, the required anti-affinity
// terms of ni's pods that select the incoming pod, through a table keyed by
// the incoming pod's labels and namespace.
func existingAntiAffinity(t *nodeTable[map[string]int], ni *NodeInfo, pod *corev1.Pod, nsLabels labels.Set) map[string]int {
	return t.get(ni, func() map[string]int {
		var hits map[string]int
		for _, other := range ni.PodsWithRequiredAntiAffinity {
			for t := range other.RequiredAntiAffinity {
				term := &other.RequiredAntiAffinity[t]
				if term.Matches(pod, nsLabels) {
					if hits == nil {
						hits = map[string]int{}
					}
					hits[term.TopologyKey]++
				}
			}
		}
		return hits
	})
}

// termKey identifies an affinity term for the memo.
func termKey(t *AffinityTerm) memoKey {
	ns := make([]string, 0, len(t.Namespaces))
	for n := range t.Namespaces {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	nsSel := ""
	if t.NamespaceSelector != nil {
		nsSel = t.NamespaceSelector.String()
	}
	return intern("t:" + strings.Join(ns, ",") + "|" + nsSel + "|" + t.Selector.String())
}

// selectorKey identifies a (namespace, selector) pair for the memo.
func selectorKey(ns string, sel labels.Selector) memoKey {
	return intern("s:" + ns + "|" + sel.String())
}

// podKey identifies the incoming pod's labels and namespace for the memo of
// existing pods' anti-affinity against it.
func podLabelsKey(pod *corev1.Pod, nsLabels labels.Set) memoKey {
	return intern("x:" + pod.Namespace + "|" + labels.Set(pod.Labels).String() + "|" + nsLabels.String())
}
