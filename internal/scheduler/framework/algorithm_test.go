package framework

import (
	"errors"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func TestFailedSchedulingMessage(t *testing.T) {
	cp := node("cp", "8", "8Gi", 110, nil, corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule})
	snap := cluster([]*corev1.Node{cp, node("w1", "1", "8Gi", 110, nil), node("w2", "1", "8Gi", 110, nil)}, nil)
	a := New(Config{Parallelism: 2})
	pi := NewPodInfo(pod("p", requests("2", "")))
	_, st, err := a.Schedule(pi, snap)
	var fe *FitError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want FitError", err)
	}
	_, msg := a.Preempt(st, snap, fe, nil)
	fe.PostFilterMsg = msg
	want := "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
		"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
	if fe.Error() != want {
		t.Fatalf("message\n got %q\nwant %q", fe.Error(), want)
	}
}

func TestFitErrorSortsLikeKubernetes(t *testing.T) {
	fe := &FitError{NumAllNodes: 12, Statuses: map[string]*Status{}}
	for i := 0; i < 10; i++ {
		fe.Statuses[fmt.Sprint("a", i)] = unschedulable(ReasonInsufficientCPU)
	}
	fe.Statuses["b"] = unschedulable(ReasonInsufficientMemory)
	fe.Statuses["c"] = unschedulable(ReasonInsufficientCPU, ReasonInsufficientMemory)
	fe.PostFilterMsg = msgPreemptNever
	// "11 …" sorts before "2 …" because Kubernetes sorts the rendered strings.
	want := "0/12 nodes are available: 11 Insufficient cpu, 2 Insufficient memory. not eligible due to preemptionPolicy=Never."
	if fe.Error() != want {
		t.Fatalf("got %q\nwant %q", fe.Error(), want)
	}
}

func TestSchedulePicksLeastAllocated(t *testing.T) {
	snap := cluster([]*corev1.Node{node("busy", "4", "8Gi", 110, nil), node("idle", "4", "8Gi", 110, nil)},
		map[string][]*corev1.Pod{"busy": {pod("a", requests("3", "6Gi"))}})
	res, _, err := New(Config{}).Schedule(NewPodInfo(pod("p", requests("500m", "512Mi"))), snap)
	if err != nil || res.Node != "idle" {
		t.Fatalf("got %q, %v; want idle", res.Node, err)
	}
}

func TestScoresPreferences(t *testing.T) {
	zone := func(z string) map[string]string { return map[string]string{corev1.LabelTopologyZone: z, "tier": z} }
	preferTier := func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{
			{Weight: 50, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "tier", Operator: corev1.NodeSelectorOpIn, Values: []string{"b"}}}}},
		}}}
	}
	preferWith := func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{
			{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "cache"}}, TopologyKey: corev1.LabelTopologyZone}},
		}}}
	}
	tests := []struct {
		name   string
		nodes  []*corev1.Node
		placed map[string][]*corev1.Pod
		pod    *PodInfo
		want   string
	}{
		{name: "preferred node affinity", nodes: []*corev1.Node{node("a", "4", "8Gi", 110, zone("a")), node("b", "4", "8Gi", 110, zone("b"))},
			pod: NewPodInfo(pod("p", preferTier)), want: "b"},
		{name: "PreferNoSchedule avoided", nodes: []*corev1.Node{
			node("a", "4", "8Gi", 110, nil, corev1.Taint{Key: "x", Effect: corev1.TaintEffectPreferNoSchedule}), node("b", "4", "8Gi", 110, nil)},
			pod: NewPodInfo(pod("p")), want: "b"},
		{name: "preferred pod affinity", nodes: []*corev1.Node{node("a", "4", "8Gi", 110, zone("a")), node("b", "4", "8Gi", 110, zone("b"))},
			placed: map[string][]*corev1.Pod{"a": {pod("c", withLabels("app", "cache"))}}, pod: NewPodInfo(pod("p", preferWith)), want: "a"},
		{name: "ScheduleAnyway spread", nodes: []*corev1.Node{node("a", "4", "8Gi", 110, zone("a")), node("b", "4", "8Gi", 110, zone("b"))},
			placed: map[string][]*corev1.Pod{"b": {pod("w1", withLabels("app", "web")), pod("w2", withLabels("app", "web"))}},
			pod:    NewPodInfo(pod("p", withLabels("app", "web"), spread(corev1.LabelTopologyZone, 1, corev1.ScheduleAnyway, map[string]string{"app": "web"}))), want: "a"},
		{name: "system default spreading", nodes: []*corev1.Node{node("a", "4", "8Gi", 110, zone("a")), node("b", "4", "8Gi", 110, zone("b"))},
			placed: map[string][]*corev1.Pod{"a": {pod("w1", withLabels("app", "web")), pod("w2", withLabels("app", "web")), pod("w3", withLabels("app", "web"))}, "b": {pod("x1"), pod("x2"), pod("x3")}},
			pod: func() *PodInfo {
				pi := NewPodInfo(pod("p", withLabels("app", "web")))
				pi.DefaultSpread = labels.SelectorFromSet(labels.Set{"app": "web"})
				return pi
			}(), want: "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _, err := New(Config{}).Schedule(tt.pod, cluster(tt.nodes, tt.placed))
			if err != nil || res.Node != tt.want {
				t.Fatalf("got %q, %v; want %s", res.Node, err, tt.want)
			}
		})
	}
}

func TestScheduleStopsAfterEnoughFeasibleNodes(t *testing.T) {
	snap := cluster(nodesNamed(1000, "32", "256Gi", 110, nil), nil)
	a := New(Config{})
	res, _, err := a.Schedule(NewPodInfo(pod("p", requests("100m", "100Mi"))), snap)
	if err != nil {
		t.Fatal(err)
	}
	// 50% − 1000/125 = 42% of 1,000 nodes.
	if res.Feasible != 420 {
		t.Fatalf("scored %d feasible nodes, want 420", res.Feasible)
	}
	if a.next == 0 {
		t.Fatal("start index did not rotate")
	}
}

func TestScheduleNominatedNodeFirst(t *testing.T) {
	snap := cluster([]*corev1.Node{node("a", "4", "8Gi", 110, nil), node("b", "4", "8Gi", 110, nil)},
		map[string][]*corev1.Pod{"b": {pod("x", requests("3", ""))}})
	p := pod("p", requests("1", ""))
	p.Status.NominatedNodeName = "b"
	res, _, err := New(Config{}).Schedule(NewPodInfo(p), snap)
	if err != nil || res.Node != "b" || res.Evaluated != 1 {
		t.Fatalf("got %+v, %v; want the nominated node b", res, err)
	}
}

func TestPreempt(t *testing.T) {
	never := corev1.PreemptNever
	tests := []struct {
		name        string
		placed      map[string][]*corev1.Pod
		pdbs        []PDB
		pod         *corev1.Pod
		wantNode    string
		wantVictims []string
		wantMsg     string
	}{
		{
			name: "evicts the lowest-priority pod that frees enough",
			placed: map[string][]*corev1.Pod{
				"a": {pod("a1", requests("2", ""), priority(10)), pod("a2", requests("2", ""), priority(5))},
				"b": {pod("b1", requests("4", ""), priority(50))},
			},
			pod: pod("p", requests("2", ""), priority(100)), wantNode: "a", wantVictims: []string{"a2"},
		},
		{
			name: "never evicts equal or higher priority",
			placed: map[string][]*corev1.Pod{
				"a": {pod("a1", requests("4", ""), priority(100))},
				"b": {pod("b1", requests("4", ""), priority(200))},
			},
			pod:     pod("p", requests("2", ""), priority(100)),
			wantMsg: "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
		},
		{
			name: "prefers the node whose victims have no budget",
			placed: map[string][]*corev1.Pod{
				"a": {pod("a1", requests("4", ""), priority(1), withLabels("app", "guarded"))},
				"b": {pod("b1", requests("4", ""), priority(2))},
			},
			pdbs: []PDB{{Namespace: "default", Selector: labels.SelectorFromSet(labels.Set{"app": "guarded"}), Allowed: 0}},
			pod:  pod("p", requests("2", ""), priority(100)), wantNode: "b", wantVictims: []string{"b1"},
		},
		{
			name:    "preemptionPolicy Never",
			placed:  map[string][]*corev1.Pod{"a": {pod("a1", requests("4", ""))}, "b": {pod("b1", requests("4", ""))}},
			pod:     pod("p", requests("2", ""), priority(100), func(p *corev1.Pod) { p.Spec.PreemptionPolicy = &never }),
			wantMsg: "not eligible due to preemptionPolicy=Never.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := cluster([]*corev1.Node{node("a", "4", "8Gi", 110, nil), node("b", "4", "8Gi", 110, nil)}, tt.placed)
			a := New(Config{})
			_, st, err := a.Schedule(NewPodInfo(tt.pod), snap)
			var fe *FitError
			if !errors.As(err, &fe) {
				t.Fatalf("expected the pod not to fit, got %v", err)
			}
			p, msg := a.Preempt(st, snap, fe, tt.pdbs)
			if msg != tt.wantMsg {
				t.Fatalf("msg %q, want %q", msg, tt.wantMsg)
			}
			var victims []string
			for _, v := range p.Victims {
				victims = append(victims, v.Name)
			}
			if p.Node != tt.wantNode || fmt.Sprint(victims) != fmt.Sprint(tt.wantVictims) {
				t.Fatalf("preempt on %q evicting %v, want %q evicting %v", p.Node, victims, tt.wantNode, tt.wantVictims)
			}
		})
	}
}

func TestPreemptResolvesAntiAffinity(t *testing.T) {
	db := map[string]string{"app": "db"}
	placed := map[string][]*corev1.Pod{
		"a": {pod("old-db", withLabels("app", "db"), priority(1))},
		"b": {pod("other-db", withLabels("app", "db"), priority(500))},
	}
	snap := cluster([]*corev1.Node{node("a", "4", "8Gi", 110, nil), node("b", "4", "8Gi", 110, nil)}, placed)
	a := New(Config{})
	_, st, err := a.Schedule(NewPodInfo(pod("p", withLabels("app", "db"), priority(100), antiAffinity(corev1.LabelHostname, db))), snap)
	var fe *FitError
	if !errors.As(err, &fe) {
		t.Fatalf("expected anti-affinity to block, got %v", err)
	}
	p, msg := a.Preempt(st, snap, fe, nil)
	if msg != "" || p.Node != "a" || len(p.Victims) != 1 || p.Victims[0].Name != "old-db" {
		t.Fatalf("preempt %+v %q, want old-db evicted from a", p, msg)
	}
	// The dry run must not leak into the cycle's own counts.
	if st.antiAffinityCounts[topologyPair{corev1.LabelHostname, "a"}] != 1 {
		t.Fatal("dry run changed the shared cycle state")
	}
}

func TestImageLocality(t *testing.T) {
	withImage := node("cached", "4", "8Gi", 110, nil)
	withImage.Status.Images = []corev1.ContainerImage{{Names: []string{"registry.example/app:1.0"}, SizeBytes: 800 * 1024 * 1024}}
	snap := cluster([]*corev1.Node{node("cold", "4", "8Gi", 110, nil), withImage}, nil)
	p := pod("p", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "registry.example/app:1.0" })
	res, _, err := New(Config{}).Schedule(NewPodInfo(p), snap)
	if err != nil || res.Node != "cached" {
		t.Fatalf("got %q, %v; want the node holding the image", res.Node, err)
	}
	for in, want := range map[string]string{"nginx": "nginx:latest", "nginx:1.25": "nginx:1.25", "localhost:5000/app": "localhost:5000/app:latest", "app@sha256:ab": "app@sha256:ab"} {
		if got := normalizedImage(in); got != want {
			t.Errorf("normalizedImage(%q) = %q, want %q", in, got, want)
		}
	}
}
