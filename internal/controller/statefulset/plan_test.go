package statefulset

import (
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// pod states for plan tables: ready, pending, failed, terminating.
func spod(ord int, state, rev string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", ord),
		Labels: map[string]string{"controller-revision-hash": rev}}}
	switch state {
	case "ready":
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(t0.Add(-time.Minute))}}
	case "pending":
		p.Status.Phase = corev1.PodPending
	case "failed":
		p.Status.Phase = corev1.PodFailed
	case "terminating":
		p.Status.Phase = corev1.PodRunning
		p.DeletionTimestamp = &metav1.Time{Time: t0}
	}
	return p
}

func render(steps []step) []string {
	names := map[action]string{createPod: "create", recreatePod: "recreate", condemnPod: "condemn", updatePod: "update"}
	var out []string
	for _, s := range steps {
		out = append(out, fmt.Sprintf("%s %d", names[s.action], s.ordinal))
	}
	return out
}

func TestPlan(t *testing.T) {
	base := view{name: "web", replicas: 3, rolling: true, maxUnavailable: 1, updateRevision: "new", now: t0}
	with := func(f func(*view)) view { v := base; f(&v); return v }
	for _, tc := range []struct {
		name string
		v    view
		pods []*corev1.Pod
		want []string
	}{
		{"ordered creates the first", base, nil, []string{"create 0"}},
		{"ordered waits for readiness", base, []*corev1.Pod{spod(0, "pending", "new")}, nil},
		{"ordered next after ready", base, []*corev1.Pod{spod(0, "ready", "new")}, []string{"create 1"}},
		{"parallel creates all", with(func(v *view) { v.parallel = true }), []*corev1.Pod{spod(1, "pending", "new")},
			[]string{"create 0", "create 2"}},
		{"start ordinal", with(func(v *view) { v.start, v.replicas = 5, 2 }), []*corev1.Pod{spod(5, "ready", "new")}, []string{"create 6"}},
		{"failed pod is recreated", base, []*corev1.Pod{spod(0, "failed", "new")}, []string{"recreate 0"}},
		{"scale down from the top, one at a time", with(func(v *view) { v.replicas = 1 }),
			[]*corev1.Pod{spod(0, "ready", "new"), spod(1, "ready", "new"), spod(2, "ready", "new")}, []string{"condemn 2"}},
		{"scale down waits for termination", with(func(v *view) { v.replicas = 1 }),
			[]*corev1.Pod{spod(0, "ready", "new"), spod(1, "ready", "new"), spod(2, "terminating", "new")}, nil},
		{"parallel scale down", with(func(v *view) { v.replicas, v.parallel = 1, true }),
			[]*corev1.Pod{spod(0, "ready", "new"), spod(1, "ready", "new"), spod(2, "ready", "new")}, []string{"condemn 2", "condemn 1"}},
		{"rolling update from the top", base,
			[]*corev1.Pod{spod(0, "ready", "old"), spod(1, "ready", "old"), spod(2, "ready", "old")}, []string{"update 2"}},
		{"rolling update waits on an updating pod", base,
			[]*corev1.Pod{spod(0, "ready", "old"), spod(1, "ready", "old"), spod(2, "pending", "new")}, nil},
		{"rolling update honours partition", with(func(v *view) { v.partition = 2 }),
			[]*corev1.Pod{spod(0, "ready", "old"), spod(1, "ready", "old"), spod(2, "ready", "new")}, nil},
		{"maxUnavailable 2", with(func(v *view) { v.maxUnavailable, v.parallel = 2, true }),
			[]*corev1.Pod{spod(0, "ready", "old"), spod(1, "ready", "old"), spod(2, "ready", "old")}, []string{"update 2", "update 1"}},
		{"on delete leaves old pods", with(func(v *view) { v.rolling = false }),
			[]*corev1.Pod{spod(0, "ready", "old"), spod(1, "ready", "old"), spod(2, "ready", "old")}, nil},
	} {
		if got := render(plan(tc.v, tc.pods)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: plan = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestOrdinalOf(t *testing.T) {
	for _, tc := range []struct {
		pod string
		ord int
		ok  bool
	}{{"web-0", 0, true}, {"web-12", 12, true}, {"web-01", 0, false}, {"web-x", 0, false}, {"webby-1", 0, false}, {"web-1-2", 0, false}} {
		ord, ok := ordinalOf("web", tc.pod)
		if ord != tc.ord || ok != tc.ok {
			t.Errorf("ordinalOf(%s) = %d %v", tc.pod, ord, ok)
		}
	}
}
