package framework

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestInterPodAffinity(t *testing.T) {
	zone := func(z string) map[string]string { return map[string]string{corev1.LabelTopologyZone: z} }
	nodes := []*corev1.Node{node("n1", "1", "1Gi", 10, zone("a")), node("n2", "1", "1Gi", 10, zone("b"))}
	web := map[string]string{"app": "web"}
	placedWeb := map[string][]*corev1.Pod{"n1": {pod("w", withLabels("app", "web"))}}
	runFilterCases(t, InterPodAffinity{}, []filterCase{
		{name: "affinity satisfied in zone", pod: pod("p", affinity(corev1.LabelTopologyZone, web)), nodes: nodes, placed: placedWeb, node: "n1"},
		{name: "affinity missing in zone", pod: pod("p", affinity(corev1.LabelTopologyZone, web)), nodes: nodes, placed: placedWeb, node: "n2", want: ReasonPodAffinity, code: UnschedulableAndUnresolvable},
		{name: "first pod of a self-selecting group", pod: pod("p", withLabels("app", "web"), affinity(corev1.LabelTopologyZone, web)), nodes: nodes, node: "n2"},
		{name: "affinity with nothing anywhere", pod: pod("p", affinity(corev1.LabelTopologyZone, web)), nodes: nodes, node: "n2", want: ReasonPodAffinity},
		{name: "node without the key", pod: pod("p", affinity("rack", web)), nodes: nodes, placed: placedWeb, want: ReasonPodAffinity},
		{name: "anti-affinity hits", pod: pod("p", antiAffinity(corev1.LabelTopologyZone, web)), nodes: nodes, placed: placedWeb, node: "n1", want: ReasonPodAntiAffinity, code: Unschedulable},
		{name: "anti-affinity other zone", pod: pod("p", antiAffinity(corev1.LabelTopologyZone, web)), nodes: nodes, placed: placedWeb, node: "n2"},
		{name: "anti-affinity other namespace", pod: pod("p", antiAffinity(corev1.LabelTopologyZone, web), func(p *corev1.Pod) { p.Namespace = "other" }), nodes: nodes, placed: placedWeb, node: "n1"},
		{name: "existing pod's anti-affinity", pod: pod("p", withLabels("app", "db")), nodes: nodes,
			placed: map[string][]*corev1.Pod{"n1": {pod("x", antiAffinity(corev1.LabelHostname, map[string]string{"app": "db"}))}}, node: "n1", want: ReasonExistingAntiAffinity},
		{name: "existing anti-affinity elsewhere", pod: pod("p", withLabels("app", "db")), nodes: nodes,
			placed: map[string][]*corev1.Pod{"n1": {pod("x", antiAffinity(corev1.LabelHostname, map[string]string{"app": "db"}))}}, node: "n2"},
	})
}

func TestPodTopologySpread(t *testing.T) {
	zone := func(z string) map[string]string { return map[string]string{corev1.LabelTopologyZone: z} }
	nodes := []*corev1.Node{node("n1", "1", "1Gi", 10, zone("a")), node("n2", "1", "1Gi", 10, zone("b")), node("n3", "1", "1Gi", 10, nil)}
	web := map[string]string{"app": "web"}
	two := map[string][]*corev1.Pod{"n1": {pod("a", withLabels("app", "web")), pod("b", withLabels("app", "web"))}}
	minDomains := func(n int32) podOpt {
		return func(p *corev1.Pod) { p.Spec.TopologySpreadConstraints[0].MinDomains = &n }
	}
	self := withLabels("app", "web")
	runFilterCases(t, PodTopologySpread{}, []filterCase{
		{name: "empty cluster", pod: pod("p", self, spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, web)), nodes: nodes},
		{name: "skew exceeded", pod: pod("p", self, spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, web)), nodes: nodes, placed: two, node: "n1", want: ReasonTopologySpread, code: Unschedulable},
		{name: "less loaded zone", pod: pod("p", self, spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, web)), nodes: nodes, placed: two, node: "n2"},
		{name: "larger maxSkew", pod: pod("p", self, spread(corev1.LabelTopologyZone, 3, corev1.DoNotSchedule, web)), nodes: nodes, placed: two, node: "n1"},
		{name: "missing key", pod: pod("p", self, spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, web)), nodes: nodes, node: "n3", want: ReasonTopologySpreadMissingKey, code: UnschedulableAndUnresolvable},
		{name: "minDomains above domains forces global min 0", pod: pod("p", self, spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, web), minDomains(3)), nodes: nodes,
			placed: map[string][]*corev1.Pod{"n1": {pod("a", self)}, "n2": {pod("b", self)}}, node: "n2", want: ReasonTopologySpread},
		{name: "ScheduleAnyway never filters", pod: pod("p", self, spread(corev1.LabelTopologyZone, 1, corev1.ScheduleAnyway, web)), nodes: nodes, placed: two, node: "n1"},
		{name: "pod not matching itself", pod: pod("p", spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, web)), nodes: nodes,
			placed: map[string][]*corev1.Pod{"n1": {pod("a", self)}}, node: "n1"},
	})
}
