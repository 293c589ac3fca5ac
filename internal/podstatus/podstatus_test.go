package podstatus

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestReady(t *testing.T) {
	for _, tc := range []struct {
		name  string
		conds []corev1.PodCondition
		want  bool
	}{
		{"no conditions", nil, false},
		{"ready", []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}, {Type: corev1.PodReady, Status: corev1.ConditionTrue}}, true},
		{"not ready", []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}, false},
		{"unknown", []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionUnknown}}, false},
		{"only others", []corev1.PodCondition{{Type: corev1.ContainersReady, Status: corev1.ConditionTrue}}, false},
	} {
		p := &corev1.Pod{Status: corev1.PodStatus{Conditions: tc.conds}}
		if got := Ready(p); got != tc.want {
			t.Errorf("%s: Ready = %v, want %v", tc.name, got, tc.want)
		}
	}
	p := &corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
	Condition(p, corev1.PodReady).Status = corev1.ConditionFalse
	if Ready(p) {
		t.Error("Condition does not point into the pod's own conditions")
	}
}

func TestReadyFor(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0)}}}}
	for _, tc := range []struct {
		d, after time.Duration
		want     bool
	}{
		{0, 0, true}, {5 * time.Second, 4 * time.Second, false}, {5 * time.Second, 5 * time.Second, true}, {5 * time.Second, time.Minute, true},
	} {
		if got := ReadyFor(p, tc.d, t0.Add(tc.after)); got != tc.want {
			t.Errorf("ReadyFor(%v) at +%v = %v, want %v", tc.d, tc.after, got, tc.want)
		}
	}
	p.Status.Conditions[0].Status = corev1.ConditionFalse
	if ReadyFor(p, 0, t0.Add(time.Hour)) {
		t.Error("a not-ready pod is ReadyFor")
	}
}
