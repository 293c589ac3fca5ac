package daemonset

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// dpod is a daemon pod on node at revision hash in state ready, pending or failed.
func dpod(nodeName, hash, state string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: nodeName + "-" + hash,
		Labels: map[string]string{appsv1.DefaultDaemonSetUniqueLabelKey: hash}},
		Spec: corev1.PodSpec{NodeName: nodeName}}
	switch state {
	case "ready":
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	case "pending":
		p.Status.Phase = corev1.PodPending
	case "failed":
		p.Status.Phase = corev1.PodFailed
	}
	return p
}

func ns(name string, pods ...*corev1.Pod) nodeState {
	return nodeState{name: name, shouldRun: true, mayStay: true, pods: pods}
}

func names(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestPlan(t *testing.T) {
	onDelete := rollout{hash: "new", now: t0}
	rolling := rollout{rolling: true, maxUnavailable: 1, hash: "new", now: t0}
	surge := rollout{rolling: true, maxSurge: 1, hash: "new", now: t0}
	for _, tc := range []struct {
		name           string
		nodes          []nodeState
		r              rollout
		create, remove []string
	}{
		{"one per node", []nodeState{ns("a"), ns("b", dpod("b", "new", "ready"))}, onDelete, []string{"a"}, nil},
		{"not on ineligible", []nodeState{{name: "a", mayStay: true}}, onDelete, nil, nil},
		{"evicted", []nodeState{{name: "a", pods: []*corev1.Pod{dpod("a", "new", "ready")}}}, onDelete, nil, []string{"a-new"}},
		{"failed removed, replaced later", []nodeState{ns("a", dpod("a", "new", "failed"))}, onDelete, nil, []string{"a-new"}},
		{"on delete leaves old", []nodeState{ns("a", dpod("a", "old", "ready"))}, onDelete, nil, nil},
		{"rolling one at a time", []nodeState{ns("a", dpod("a", "old", "ready")), ns("b", dpod("b", "old", "ready"))}, rolling, nil, []string{"a-old"}},
		{"rolling waits for updated pod", []nodeState{ns("a", dpod("a", "new", "pending")), ns("b", dpod("b", "old", "ready"))}, rolling, nil, nil},
		{"rolling replaces unavailable freely", []nodeState{ns("a", dpod("a", "new", "pending")), ns("b", dpod("b", "old", "pending"))}, rolling, nil, []string{"b-old"}},
		{"surge starts new beside old", []nodeState{ns("a", dpod("a", "old", "ready")), ns("b", dpod("b", "old", "ready"))}, surge, []string{"a"}, nil},
		{"surge removes old once new is available", []nodeState{ns("a", dpod("a", "old", "ready"), dpod("a", "new", "ready")), ns("b", dpod("b", "old", "ready"))}, surge,
			[]string{"b"}, []string{"a-old"}},
		{"surge limit", []nodeState{ns("a", dpod("a", "old", "ready"), dpod("a", "new", "pending")), ns("b", dpod("b", "old", "ready"))}, surge, nil, nil},
	} {
		d := plan(tc.nodes, tc.r)
		if !slices.Equal(d.create, tc.create) || !slices.Equal(names(d.remove), tc.remove) {
			t.Errorf("%s: create %v remove %v, want %v %v", tc.name, d.create, names(d.remove), tc.create, tc.remove)
		}
	}
}

func TestPlanHoldsBackAfterFailure(t *testing.T) {
	n := ns("a")
	n.backingOff = true
	if d := plan([]nodeState{n}, rollout{hash: "new", now: t0}); len(d.create) != 0 {
		t.Fatalf("created during backoff: %v", d.create)
	}
}

func TestFailureBackoffDoubles(t *testing.T) {
	b := newFailureBackoff()
	var got []time.Duration
	now := t0
	for i := 0; i < 3; i++ {
		got = append(got, b.failed("ds/a", now))
		now = now.Add(time.Second)
	}
	if !slices.Equal(got, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}) {
		t.Fatalf("delays = %v", got)
	}
	if w := b.waiting("ds/a", now); w != 3*time.Second {
		t.Fatalf("waiting = %v", w)
	}
	if w := b.waiting("ds/b", now); w != 0 {
		t.Fatalf("other node waits %v", w)
	}
}
