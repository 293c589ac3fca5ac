package framework

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// filterCase runs one filter for a pod against one node of a cluster.
type filterCase struct {
	name   string
	pod    *corev1.Pod
	nodes  []*corev1.Node
	placed map[string][]*corev1.Pod
	node   string // node to check; first node when empty
	want   string // first reason, "" for fits
	code   Code
}

func runFilterCases(t *testing.T, f Filter, cases []filterCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			snap := cluster(tt.nodes, tt.placed)
			st := NewCycleState(NewPodInfo(tt.pod), snap, 1)
			name := tt.node
			if name == "" {
				name = tt.nodes[0].Name
			}
			s := f.Filter(st, snap.Get(name))
			switch {
			case tt.want == "" && s != nil:
				t.Fatalf("rejected: %v", s.Reasons)
			case tt.want != "" && s == nil:
				t.Fatalf("accepted, want %q", tt.want)
			case s != nil && s.Reasons[0] != tt.want:
				t.Fatalf("reason %q, want %q", s.Reasons[0], tt.want)
			case s != nil && tt.code != 0 && s.Code != tt.code:
				t.Fatalf("code %d, want %d", s.Code, tt.code)
			}
		})
	}
}

func TestNodeResourcesFit(t *testing.T) {
	n := []*corev1.Node{node("n1", "2", "4Gi", 3, nil)}
	runFilterCases(t, NodeResourcesFit{}, []filterCase{
		{name: "fits empty node", pod: pod("p", requests("1", "1Gi")), nodes: n},
		{name: "cpu short", pod: pod("p", requests("1500m", "")), nodes: n,
			placed: map[string][]*corev1.Pod{"n1": {pod("a", requests("1", ""))}}, want: ReasonInsufficientCPU, code: Unschedulable},
		{name: "memory short", pod: pod("p", requests("", "5Gi")), nodes: n, want: ReasonInsufficientMemory},
		{name: "too many pods", pod: pod("p"), nodes: n,
			placed: map[string][]*corev1.Pod{"n1": {pod("a"), pod("b"), pod("c")}}, want: ReasonTooManyPods},
		{name: "exact fit", pod: pod("p", requests("1", "2Gi")), nodes: n,
			placed: map[string][]*corev1.Pod{"n1": {pod("a", requests("1", "2Gi"))}}},
	})
}

func TestNodeResourcesFitAllReasons(t *testing.T) {
	snap := cluster([]*corev1.Node{node("n1", "1", "1Gi", 1, nil)}, map[string][]*corev1.Pod{"n1": {pod("a")}})
	st := NewCycleState(NewPodInfo(pod("p", requests("2", "2Gi"))), snap, 1)
	s := NodeResourcesFit{}.Filter(st, snap.Nodes[0])
	want := []string{ReasonTooManyPods, ReasonInsufficientCPU, ReasonInsufficientMemory}
	if s == nil || len(s.Reasons) != 3 || s.Reasons[0] != want[0] || s.Reasons[1] != want[1] || s.Reasons[2] != want[2] {
		t.Fatalf("status %+v, want %v", s, want)
	}
}

func TestNodeResourcesFitHoldsRoomForNominated(t *testing.T) {
	snap := cluster([]*corev1.Node{node("n1", "2", "4Gi", 10, nil)}, nil)
	snap.Nodes[0].Nominated = []*PodInfo{NewPodInfo(pod("big", requests("2", ""), priority(100)))}
	low := NewCycleState(NewPodInfo(pod("p", requests("1", ""), priority(1))), snap, 1)
	if s := (NodeResourcesFit{}).Filter(low, snap.Nodes[0]); s == nil {
		t.Fatal("lower-priority pod took the room held for a nominated pod")
	}
	high := NewCycleState(NewPodInfo(pod("p", requests("1", ""), priority(1000))), snap, 1)
	if s := (NodeResourcesFit{}).Filter(high, snap.Nodes[0]); s != nil {
		t.Fatalf("higher-priority pod rejected: %v", s.Reasons)
	}
}

func TestNodeName(t *testing.T) {
	n := []*corev1.Node{node("n1", "1", "1Gi", 10, nil)}
	named := func(name string) podOpt { return func(p *corev1.Pod) { p.Spec.NodeName = name } }
	runFilterCases(t, NodeName{}, []filterCase{
		{name: "no name", pod: pod("p"), nodes: n},
		{name: "same name", pod: pod("p", named("n1")), nodes: n},
		{name: "other name", pod: pod("p", named("n2")), nodes: n, want: ReasonNodeName, code: UnschedulableAndUnresolvable},
	})
}

func TestNodeUnschedulable(t *testing.T) {
	cordoned := node("n1", "1", "1Gi", 10, nil)
	cordoned.Spec.Unschedulable = true
	tolerate := func(p *corev1.Pod) {
		p.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	}
	runFilterCases(t, NodeUnschedulable{}, []filterCase{
		{name: "schedulable", pod: pod("p"), nodes: []*corev1.Node{node("n1", "1", "1Gi", 10, nil)}},
		{name: "cordoned", pod: pod("p"), nodes: []*corev1.Node{cordoned}, want: ReasonNodeUnschedulable},
		{name: "cordoned but tolerated", pod: pod("p", tolerate), nodes: []*corev1.Node{cordoned}},
	})
}

func TestNodeAffinity(t *testing.T) {
	n := []*corev1.Node{node("n1", "1", "1Gi", 10, map[string]string{"disk": "ssd", "gen": "5"})}
	selector := func(k, v string) podOpt { return func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{k: v} } }
	required := func(terms ...corev1.NodeSelectorTerm) podOpt {
		return func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms}}}
		}
	}
	expr := func(key string, op corev1.NodeSelectorOperator, vals ...string) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: op, Values: vals}}}
	}
	runFilterCases(t, NodeAffinity{}, []filterCase{
		{name: "nodeSelector matches", pod: pod("p", selector("disk", "ssd")), nodes: n},
		{name: "nodeSelector mismatch", pod: pod("p", selector("disk", "hdd")), nodes: n, want: ReasonNodeAffinity, code: UnschedulableAndUnresolvable},
		{name: "In", pod: pod("p", required(expr("disk", corev1.NodeSelectorOpIn, "ssd", "nvme"))), nodes: n},
		{name: "NotIn", pod: pod("p", required(expr("disk", corev1.NodeSelectorOpNotIn, "ssd"))), nodes: n, want: ReasonNodeAffinity},
		{name: "DoesNotExist", pod: pod("p", required(expr("gpu", corev1.NodeSelectorOpDoesNotExist))), nodes: n},
		{name: "Gt", pod: pod("p", required(expr("gen", corev1.NodeSelectorOpGt, "4"))), nodes: n},
		{name: "Lt fails", pod: pod("p", required(expr("gen", corev1.NodeSelectorOpLt, "4"))), nodes: n, want: ReasonNodeAffinity},
		{name: "terms are ORed", pod: pod("p", required(expr("disk", corev1.NodeSelectorOpIn, "hdd"), expr("gen", corev1.NodeSelectorOpExists))), nodes: n},
		{name: "matchFields name", pod: pod("p", required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"n2"}}}})), nodes: n, want: ReasonNodeAffinity},
	})
}

func TestTaintToleration(t *testing.T) {
	cp := node("n1", "1", "1Gi", 10, nil, corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule})
	mce := node("n1", "1", "1Gi", 10, nil, corev1.Taint{Key: "machine-check-exception", Value: "memory", Effect: corev1.TaintEffectNoExecute})
	soft := node("n1", "1", "1Gi", 10, nil, corev1.Taint{Key: "soft", Effect: corev1.TaintEffectPreferNoSchedule})
	tol := func(tl corev1.Toleration) podOpt {
		return func(p *corev1.Pod) { p.Spec.Tolerations = append(p.Spec.Tolerations, tl) }
	}
	runFilterCases(t, TaintToleration{}, []filterCase{
		{name: "NoSchedule untolerated", pod: pod("p"), nodes: []*corev1.Node{cp}, want: "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }", code: UnschedulableAndUnresolvable},
		{name: "NoExecute with value", pod: pod("p"), nodes: []*corev1.Node{mce}, want: "node(s) had untolerated taint {machine-check-exception: memory}"},
		{name: "Exists tolerates", pod: pod("p", tol(corev1.Toleration{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists})), nodes: []*corev1.Node{cp}},
		{name: "Equal tolerates", pod: pod("p", tol(corev1.Toleration{Key: "machine-check-exception", Value: "memory", Effect: corev1.TaintEffectNoExecute})), nodes: []*corev1.Node{mce}},
		{name: "wrong value", pod: pod("p", tol(corev1.Toleration{Key: "machine-check-exception", Value: "cpu"})), nodes: []*corev1.Node{mce}, want: "node(s) had untolerated taint {machine-check-exception: memory}"},
		{name: "wrong effect", pod: pod("p", tol(corev1.Toleration{Key: "machine-check-exception", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})), nodes: []*corev1.Node{mce}, want: "node(s) had untolerated taint {machine-check-exception: memory}"},
		{name: "tolerate everything", pod: pod("p", tol(corev1.Toleration{Operator: corev1.TolerationOpExists})), nodes: []*corev1.Node{mce}},
		{name: "PreferNoSchedule does not filter", pod: pod("p"), nodes: []*corev1.Node{soft}},
	})
}

func TestNodePorts(t *testing.T) {
	n := []*corev1.Node{node("n1", "1", "1Gi", 10, nil)}
	busy := map[string][]*corev1.Pod{"n1": {pod("a", hostPortOpt(8080))}}
	udp := func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].Protocol = corev1.ProtocolUDP }
	ip := func(addr string) podOpt { return func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].HostIP = addr } }
	runFilterCases(t, NodePorts{}, []filterCase{
		{name: "free", pod: pod("p", hostPortOpt(8080)), nodes: n},
		{name: "taken", pod: pod("p", hostPortOpt(8080)), nodes: n, placed: busy, want: ReasonNodePorts, code: Unschedulable},
		{name: "other port", pod: pod("p", hostPortOpt(8081)), nodes: n, placed: busy},
		{name: "other protocol", pod: pod("p", hostPortOpt(8080), udp), nodes: n, placed: busy},
		{name: "specific ip against wildcard", pod: pod("p", hostPortOpt(8080), ip("10.0.0.1")), nodes: n, placed: busy, want: ReasonNodePorts},
		{name: "different specific ips", pod: pod("p", hostPortOpt(9090), ip("10.0.0.1")), nodes: n,
			placed: map[string][]*corev1.Pod{"n1": {pod("a", hostPortOpt(9090), ip("10.0.0.2"))}}},
	})
}
