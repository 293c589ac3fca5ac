package framework

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// everywhere is a required node affinity every test node satisfies: it
// changes no answer but makes spreading walk every node, the slow path the
// domain tables must agree with.
func everywhere(p *corev1.Pod) {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	p.Spec.Affinity.NodeAffinity = &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
			{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpExists},
		}}},
	}}
}

// TestDomainTablesMatchTheWalk changes a snapshot at random (pods come and
// go, nodes are replaced, relabelled into another zone or out of every
// zone, or lose their node object) and checks after every change that the
// incrementally kept domain sums give spreading exactly what walking every
// node gives, for default spreading, ScheduleAnyway and DoNotSchedule
// constraints, over the same snapshot many cycles in a row.
func TestDomainTablesMatchTheWalk(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	zoneOf := func(i int) map[string]string {
		switch i % 4 {
		case 3:
			return nil // no zone: left out of zone domains
		default:
			return map[string]string{corev1.LabelTopologyZone: fmt.Sprint("z", i%4), "rack": fmt.Sprint("r", i%5)}
		}
	}
	snap := cluster(nodesNamed(40, "32", "64Gi", 110, zoneOf), nil)
	apps := []string{"a", "b", "c"}
	serial := 0
	newPod := func(opts ...podOpt) *corev1.Pod {
		serial++
		app := apps[rng.Intn(len(apps))]
		p := pod(fmt.Sprint("p", serial), append([]podOpt{withLabels("app", app)}, opts...)...)
		p.UID = types.UID(fmt.Sprint("u", serial))
		if rng.Intn(5) == 0 {
			p.Namespace = "other"
		}
		return p
	}
	mutate := func() {
		i := rng.Intn(len(snap.Nodes))
		ni := snap.Nodes[i]
		switch rng.Intn(6) {
		case 0, 1, 2: // a pod lands in place, as the benchmark assumes
			p := newPod()
			p.Spec.NodeName = ni.Name()
			ni.AddPod(NewPodInfo(p))
		case 3: // a pod leaves
			if len(ni.Pods) > 0 {
				ni.RemovePod(ni.Pods[rng.Intn(len(ni.Pods))].Pod.UID)
			}
		case 4: // the cache replaces the node with a relabelled copy
			if ni.Node == nil {
				return
			}
			c := ni.Clone()
			n := ni.Node.DeepCopy()
			n.Labels = labels.Merge(map[string]string{corev1.LabelHostname: n.Name}, zoneOf(rng.Intn(8)))
			c.SetNode(n)
			snap.Replace(i, c)
		case 5: // a new node object in place, or none at all
			if rng.Intn(3) == 0 {
				c := ni.Clone()
				c.Node = nil
				snap.Replace(i, c)
				return
			}
			if ni.Node == nil {
				return
			}
			n := ni.Node.DeepCopy()
			n.Labels = labels.Merge(map[string]string{corev1.LabelHostname: n.Name}, zoneOf(rng.Intn(8)))
			ni.SetNode(n)
		}
	}
	kinds := []struct {
		name string
		opts func(app string) []podOpt
	}{
		{"default spreading", nil},
		{"ScheduleAnyway", func(app string) []podOpt {
			sel := map[string]string{"app": app}
			return []podOpt{spread(corev1.LabelTopologyZone, 1, corev1.ScheduleAnyway, sel), spread("rack", 2, corev1.ScheduleAnyway, sel)}
		}},
		{"DoNotSchedule", func(app string) []podOpt {
			sel := map[string]string{"app": app}
			return []podOpt{spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, sel), spread("rack", 1, corev1.DoNotSchedule, sel)}
		}},
	}
	for step := 0; step < 400; step++ {
		mutate()
		k := kinds[rng.Intn(len(kinds))]
		app := apps[rng.Intn(len(apps))]
		var opts []podOpt
		if k.opts != nil {
			opts = k.opts(app)
		}
		fast := newPod(append(opts, withLabels("app", app))...)
		slow := fast.DeepCopy()
		everywhere(slow)
		var feasible []*NodeInfo
		for _, ni := range snap.Nodes {
			if ni.Node != nil && rng.Intn(3) > 0 {
				feasible = append(feasible, ni)
			}
		}
		states := make([]*CycleState, 2)
		for j, p := range []*corev1.Pod{fast, slow} {
			pi := NewPodInfo(p)
			if k.opts == nil {
				pi.DefaultSpread = labels.SelectorFromSet(labels.Set{"app": app})
			}
			states[j] = NewCycleState(pi, snap, 2)
			SpreadPreference{Workers: 2}.PreScore(states[j], snap, feasible)
		}
		f, s := states[0], states[1]
		if !reflect.DeepEqual(f.spreadCounts, s.spreadCounts) || !reflect.DeepEqual(f.spreadMin, s.spreadMin) {
			t.Fatalf("step %d %s: filter counts %v min %v, walk %v min %v", step, k.name, f.spreadCounts, f.spreadMin, s.spreadCounts, s.spreadMin)
		}
		if len(f.spread) > 0 && (f.spreadDomains == nil || s.spreadDomains != nil) {
			t.Fatalf("step %d %s: filter fast path not taken, or taken for a pod with node affinity", step, k.name)
		}
		for _, ni := range snap.Nodes {
			if ni.Node == nil {
				continue
			}
			if got, want := (PodTopologySpread{}).Filter(f, ni), (PodTopologySpread{}).Filter(s, ni); !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d %s: filter on %s says %v, walk %v", step, k.name, ni.Name(), got, want)
			}
		}
		if (f.spreadScore == nil) != (s.spreadScore == nil) {
			t.Fatalf("step %d %s: score state %v, walk %v", step, k.name, f.spreadScore, s.spreadScore)
		}
		if f.spreadScore == nil {
			continue
		}
		if f.spreadScore.domains == nil || s.spreadScore.domains != nil {
			t.Fatalf("step %d %s: fast path not taken, or taken for a pod with node affinity", step, k.name)
		}
		if !reflect.DeepEqual(f.spreadScore.counts, s.spreadScore.counts) || !reflect.DeepEqual(f.spreadScore.ignored, s.spreadScore.ignored) ||
			!reflect.DeepEqual(f.spreadScore.weights, s.spreadScore.weights) {
			t.Fatalf("step %d %s: score counts %v weights %v, walk %v weights %v", step, k.name,
				f.spreadScore.counts, f.spreadScore.weights, s.spreadScore.counts, s.spreadScore.weights)
		}
		scores := make([][]int64, 2)
		for j, st := range states {
			st.scoring = feasible
			for _, ni := range feasible {
				scores[j] = append(scores[j], SpreadPreference{}.Score(st, ni))
			}
			SpreadPreference{}.Normalize(st, scores[j])
		}
		if !reflect.DeepEqual(scores[0], scores[1]) {
			t.Fatalf("step %d %s: scores %v, walk %v", step, k.name, scores[0], scores[1])
		}
	}
}

// TestSpreadScoreOfNodesOutsideTheSnapshotWalks: a node list that is not
// the snapshot's own (a copy, as preemption's what-if views are) cannot be
// read from the snapshot's tables by index, so scoring walks it instead.
func TestSpreadScoreOfNodesOutsideTheSnapshotWalks(t *testing.T) {
	zones := func(i int) map[string]string {
		return map[string]string{corev1.LabelTopologyZone: fmt.Sprint("z", i%2)}
	}
	snap := cluster(nodesNamed(4, "4", "8Gi", 110, zones), map[string][]*corev1.Pod{
		"n0": {pod("a", withLabels("app", "x"))}, "n1": {pod("b", withLabels("app", "x"))}, "n2": {pod("c", withLabels("app", "x"))},
	})
	feasible := []*NodeInfo{snap.Nodes[0], snap.Nodes[1].Clone(), snap.Nodes[3]}
	pi := NewPodInfo(pod("new", withLabels("app", "x")))
	pi.DefaultSpread = labels.SelectorFromSet(labels.Set{"app": "x"})
	st := NewCycleState(pi, snap, 1)
	SpreadPreference{}.PreScore(st, snap, feasible)
	ss := st.spreadScore
	if ss == nil || ss.domains != nil {
		t.Fatal("scored a node outside the snapshot through the tables")
	}
	if want := map[string]int{"z0": 2, "z1": 1}; !reflect.DeepEqual(ss.counts[1], want) {
		t.Fatalf("zone counts %v, want %v", ss.counts[1], want)
	}
}
