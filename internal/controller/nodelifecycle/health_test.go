package nodelifecycle

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func lease(renew time.Time) *coordinationv1.Lease {
	rt := metav1.NewMicroTime(renew)
	return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "n1", Namespace: corev1.NamespaceNodeLease},
		Spec: coordinationv1.LeaseSpec{RenewTime: &rt}}
}

func TestStaleness(t *testing.T) {
	grace := 40 * time.Second
	silent := &corev1.Node{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))}}
	posting := func(hb time.Time) *corev1.Node {
		return &corev1.Node{Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.NewTime(hb)}}}}
	}
	type step struct {
		at    time.Duration
		node  *corev1.Node
		lease *coordinationv1.Lease
		stale bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first sight gets a full grace period, even with an old lease", []step{
			{0, posting(t0.Add(-time.Hour)), lease(t0.Add(-time.Hour)), false},
			{40 * time.Second, posting(t0.Add(-time.Hour)), lease(t0.Add(-time.Hour)), false},
			{41 * time.Second, posting(t0.Add(-time.Hour)), lease(t0.Add(-time.Hour)), true},
		}},
		{"lease renewals keep a node alive without status", []step{
			{0, posting(t0), lease(t0), false},
			{30 * time.Second, posting(t0), lease(t0.Add(30 * time.Second)), false},
			{60 * time.Second, posting(t0), lease(t0.Add(60 * time.Second)), false},
			{101 * time.Second, posting(t0), lease(t0.Add(60 * time.Second)), true},
		}},
		{"status heartbeats count without a lease", []step{
			{0, posting(t0), nil, false},
			{35 * time.Second, posting(t0.Add(35 * time.Second)), nil, false},
			{70 * time.Second, posting(t0.Add(35 * time.Second)), nil, false},
			{76 * time.Second, posting(t0.Add(35 * time.Second)), nil, true},
		}},
		{"a renew time in the node's future does not buy time", []step{
			{0, posting(t0), lease(t0.Add(time.Hour)), false},
			{41 * time.Second, posting(t0), lease(t0.Add(time.Hour)), true},
		}},
		{"never posted counts from creation", []step{{0, silent, nil, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p probe
			for i, s := range tt.steps {
				now := t0.Add(s.at)
				observe(&p, s.node, s.lease, now)
				if got := stale(p, now, grace); got != s.stale {
					t.Fatalf("step %d at +%v: stale = %v, want %v", i, s.at, got, s.stale)
				}
			}
		})
	}
}

func TestReconcileTaints(t *testing.T) {
	old := metav1.NewTime(t0.Add(-time.Minute))
	unknown := corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}}}
	current := []corev1.Taint{
		{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute, TimeAdded: &old},
		{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &old},
	}
	got, changed := reconcileTaints(current, wantTaints(corev1.NodeSpec{Unschedulable: true}, unknown), t0)
	want := []string{"dedicated:NoSchedule@", "node.kubernetes.io/unreachable:NoExecute@old", "node.kubernetes.io/unreachable:NoSchedule@now", "node.kubernetes.io/unschedulable:NoSchedule@now"}
	if !changed || len(got) != len(want) {
		t.Fatalf("got %v (changed %v), want %v", got, changed, want)
	}
	for i, tt := range got {
		at := ""
		if tt.TimeAdded != nil {
			at = map[bool]string{true: "now", false: "old"}[tt.TimeAdded.Time.Equal(t0)]
		}
		if s := tt.Key + ":" + string(tt.Effect) + "@" + at; s != want[i] {
			t.Errorf("taint %d = %s, want %s", i, s, want[i])
		}
	}
	if _, changed := reconcileTaints(got, wantTaints(corev1.NodeSpec{Unschedulable: true}, unknown), t0.Add(time.Hour)); changed {
		t.Error("reconciling twice must be a no-op")
	}
	healthy := corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}
	if got, _ := reconcileTaints(got, wantTaints(corev1.NodeSpec{}, healthy), t0); len(got) != 1 || got[0].Key != "dedicated" {
		t.Errorf("healing keeps only foreign taints, got %v", got)
	}
}

func TestMarkUnknown(t *testing.T) {
	hb := metav1.NewTime(t0.Add(-time.Minute))
	st := corev1.NodeStatus{Conditions: []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: hb},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
	}}
	if !markUnknown(&st, t0) {
		t.Fatal("want a change")
	}
	r := st.Conditions[0]
	if r.Status != corev1.ConditionUnknown || r.Reason != "NodeStatusUnknown" || r.Message != "Kubelet stopped posting node status." || !r.LastHeartbeatTime.Equal(&hb) || !r.LastTransitionTime.Time.Equal(t0) {
		t.Fatalf("Ready = %+v", r)
	}
	if len(st.Conditions) != 4 || st.Conditions[2].Reason != "NodeStatusNeverUpdated" {
		t.Fatalf("missing kubelet conditions are added as never updated: %+v", st.Conditions)
	}
	if markUnknown(&st, t0.Add(time.Minute)) {
		t.Fatal("marking twice must be a no-op")
	}
}
