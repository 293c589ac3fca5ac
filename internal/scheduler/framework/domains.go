package framework

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// domainTable sums a per-node count (pods a selector matches) per topology
// domain, the value of one node label, over the nodes of a snapshot that
// carry every required label. Spreading needs these sums every cycle;
// walking a thousand nodes' label maps for them was the largest part of
// scheduling a plain Deployment pod. The table keeps each node's last
// contribution, so a cycle only revisits nodes that changed since the
// table last saw them (a new NodeInfo, node object or pod set) and costs a
// pointer comparison for the rest. It holds only what is the same for every
// pod: callers use it when no node is excluded for the incoming pod alone
// (its node affinity or tolerations).
type domainTable struct {
	key      string
	required []string

	nodes    []*NodeInfo
	objs     []*corev1.Node
	versions []uint64
	in       []bool
	values   []string
	counts   []int

	totals map[string]domainTotal
}

// domainTotal is one domain's eligible nodes and their summed count.
type domainTotal struct{ nodes, count int }

// domains returns the snapshot's domain table for the label key over nodes
// carrying all of required, summing counts memoised under memo, brought up
// to date with count for the nodes that changed.
func domains(s *Snapshot, memo memoKey, key string, required []string, count func(*NodeInfo) int) *domainTable {
	id := intern("d:" + strconv.Itoa(int(memo)) + "|" + key + "|" + strings.Join(required, "\x00"))
	s.mu.Lock()
	t, _ := s.tables[id].(*domainTable)
	if t == nil || len(t.nodes) != len(s.Nodes) {
		n := len(s.Nodes)
		t = &domainTable{key: key, required: required,
			nodes: make([]*NodeInfo, n), objs: make([]*corev1.Node, n), versions: make([]uint64, n),
			in: make([]bool, n), values: make([]string, n), counts: make([]int, n),
			totals: map[string]domainTotal{}}
		if s.tables == nil {
			s.tables = map[memoKey]any{}
		}
		s.tables[id] = t
	}
	s.mu.Unlock()
	for i, ni := range s.Nodes {
		if t.nodes[i] == ni && t.objs[i] == ni.Node && t.versions[i] == ni.version {
			continue
		}
		t.set(i, ni, count)
	}
	return t
}

// set replaces node i's contribution.
func (t *domainTable) set(i int, ni *NodeInfo, count func(*NodeInfo) int) {
	if t.in[i] {
		tot := t.totals[t.values[i]]
		tot.nodes--
		tot.count -= t.counts[i]
		if tot.nodes == 0 {
			delete(t.totals, t.values[i])
		} else {
			t.totals[t.values[i]] = tot
		}
	}
	t.nodes[i], t.objs[i], t.versions[i] = ni, ni.Node, ni.version
	t.in[i], t.values[i], t.counts[i] = false, "", 0
	if ni.Node == nil {
		return
	}
	v, ok := ni.Node.Labels[t.key]
	if !ok {
		return
	}
	for _, k := range t.required {
		if _, ok := ni.Node.Labels[k]; !ok {
			return
		}
	}
	n := count(ni)
	t.in[i], t.values[i], t.counts[i] = true, v, n
	tot := t.totals[v]
	tot.nodes++
	tot.count += n
	t.totals[v] = tot
}

// podIndependent reports whether c counts every node carrying its key for
// the incoming pod, so that a domainTable's sums are the pod's own.
func (c *spreadConstraint) podIndependent(st *CycleState) bool {
	if c.honorTaints {
		return false
	}
	return !c.honorAffinity || (st.nodes.selector == nil && !st.nodes.hasTerms)
}

// allIndependent reports whether every constraint of cs is podIndependent.
func allIndependent(st *CycleState, cs []spreadConstraint) bool {
	for c := range cs {
		if !cs[c].podIndependent(st) {
			return false
		}
	}
	return true
}

// constraintKeys are the topology keys of cs, in order.
func constraintKeys(cs []spreadConstraint) []string {
	keys := make([]string, len(cs))
	for c := range cs {
		keys[c] = cs[c].key
	}
	return keys
}
