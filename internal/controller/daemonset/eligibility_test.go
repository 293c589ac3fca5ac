package daemonset

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.NodeSpec{Taints: taints}}
}

func TestEligibility(t *testing.T) {
	plain := corev1.PodSpec{}
	withDaemonTolerations(&plain)
	hostNet := corev1.PodSpec{HostNetwork: true}
	withDaemonTolerations(&hostNet)
	ssd := corev1.PodSpec{NodeSelector: map[string]string{"disk": "ssd"}}
	affinity := corev1.PodSpec{Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{
			{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}},
			{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"special"}}}},
		}}}}}
	taint := func(key string, effect corev1.TaintEffect) corev1.Taint {
		return corev1.Taint{Key: key, Effect: effect}
	}
	for _, tc := range []struct {
		name      string
		spec      corev1.PodSpec
		node      *corev1.Node
		run, stay bool
	}{
		{"plain node", plain, node("n", nil), true, true},
		{"not ready tolerated", plain, node("n", nil, taint(taintNotReady, corev1.TaintEffectNoExecute)), true, true},
		{"cordoned tolerated", plain, node("n", nil, taint(taintUnschedulable, corev1.TaintEffectNoSchedule)), true, true},
		{"network unavailable without hostNetwork", plain, node("n", nil, taint(taintNetworkUnavailable, corev1.TaintEffectNoSchedule)), false, true},
		{"network unavailable with hostNetwork", hostNet, node("n", nil, taint(taintNetworkUnavailable, corev1.TaintEffectNoSchedule)), true, true},
		{"foreign NoSchedule keeps running pods", plain, node("n", nil, taint("gpu", corev1.TaintEffectNoSchedule)), false, true},
		{"foreign NoExecute evicts", plain, node("n", nil, taint("gpu", corev1.TaintEffectNoExecute)), false, false},
		{"PreferNoSchedule ignored", plain, node("n", nil, taint("gpu", corev1.TaintEffectPreferNoSchedule)), true, true},
		{"nodeSelector match", ssd, node("n", map[string]string{"disk": "ssd"}), true, true},
		{"nodeSelector miss", ssd, node("n", map[string]string{"disk": "hdd"}), false, false},
		{"affinity by label", affinity, node("n", map[string]string{"zone": "a"}), true, true},
		{"affinity by name", affinity, node("special", nil), true, true},
		{"affinity miss", affinity, node("n", map[string]string{"zone": "b"}), false, false},
	} {
		run, stay := eligibility(&tc.spec, tc.node)
		if run != tc.run || stay != tc.stay {
			t.Errorf("%s: eligibility = %v %v, want %v %v", tc.name, run, stay, tc.run, tc.stay)
		}
	}
}
