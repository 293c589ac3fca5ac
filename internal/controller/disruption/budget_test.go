package disruption

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var now = time.Unix(100000, 0)

func readyPod(name string, ready bool) *corev1.Pod {
	s := corev1.ConditionFalse
	if ready {
		s = corev1.ConditionTrue
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "web"}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: s}}}}
}

func TestCounts(t *testing.T) {
	i := func(v int) *intstr.IntOrString { x := intstr.FromInt32(int32(v)); return &x }
	p := func(v string) *intstr.IntOrString { x := intstr.FromString(v); return &x }
	scale := func(n int32) func() (int32, error) { return func() (int32, error) { return n, nil } }
	tests := []struct {
		name                      string
		spec                      policyv1.PodDisruptionBudgetSpec
		pods                      int
		scale                     func() (int32, error)
		wantExpected, wantDesired int32
		wantErr                   bool
	}{
		{"minAvailable int counts pods", policyv1.PodDisruptionBudgetSpec{MinAvailable: i(2)}, 3, nil, 3, 2, false},
		{"minAvailable percent rounds up", policyv1.PodDisruptionBudgetSpec{MinAvailable: p("50%")}, 3, scale(5), 5, 3, false},
		{"maxUnavailable int", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: i(1)}, 3, scale(4), 4, 3, false},
		{"maxUnavailable percent rounds up", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: p("30%")}, 3, scale(5), 5, 3, false},
		{"maxUnavailable above scale", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: i(9)}, 3, scale(4), 4, 0, false},
		{"neither", policyv1.PodDisruptionBudgetSpec{}, 3, nil, 0, 0, false},
		{"scale error", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: i(1)}, 3, func() (int32, error) { return 0, errors.New("x") }, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, d, err := counts(tt.spec, tt.pods, tt.scale)
			if (err != nil) != tt.wantErr || e != tt.wantExpected || d != tt.wantDesired {
				t.Fatalf("counts = %d, %d, %v; want %d, %d, err %v", e, d, err, tt.wantExpected, tt.wantDesired, tt.wantErr)
			}
		})
	}
}

func TestNextStatus(t *testing.T) {
	deleting := readyPod("deleting", true)
	deleting.DeletionTimestamp = &metav1.Time{Time: now}
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "ns", Generation: 3}}
	pdb.Status.DisruptedPods = map[string]metav1.Time{
		"evicted":  metav1.NewTime(now.Add(-time.Minute)),     // still expected to go
		"stale":    metav1.NewTime(now.Add(-3 * time.Minute)), // past DeletionTimeout: counts again
		"deleting": metav1.NewTime(now.Add(-time.Minute)),     // on its way out
		"missing":  metav1.NewTime(now.Add(-time.Minute)),     // already gone
	}
	pods := []*corev1.Pod{readyPod("a", true), readyPod("b", true), readyPod("c", false),
		readyPod("evicted", true), readyPod("stale", true), deleting}

	st, recheck := nextStatus(pdb, pods, 6, 2, now)
	if st.CurrentHealthy != 3 || st.DesiredHealthy != 2 || st.ExpectedPods != 6 || st.DisruptionsAllowed != 1 || st.ObservedGeneration != 3 {
		t.Fatalf("status = %+v", st)
	}
	if len(st.DisruptedPods) != 1 || st.DisruptedPods["evicted"].Time.IsZero() {
		t.Fatalf("disruptedPods = %v, want only evicted", st.DisruptedPods)
	}
	if recheck == nil || !recheck.Equal(now.Add(time.Minute)) {
		t.Fatalf("recheck = %v, want in a minute", recheck)
	}
	if c := st.Conditions[0]; c.Type != policyv1.DisruptionAllowedCondition || c.Status != metav1.ConditionTrue || c.Reason != policyv1.SufficientPodsReason {
		t.Fatalf("condition = %+v", c)
	}

	// Losing a pod leaves no room: the condition flips and its transition time moves.
	pdb.Status = st
	later := now.Add(10 * time.Second)
	st2, _ := nextStatus(pdb, pods[1:], 6, 2, later)
	c := st2.Conditions[0]
	if st2.DisruptionsAllowed != 0 || c.Status != metav1.ConditionFalse || c.Reason != policyv1.InsufficientPodsReason || !c.LastTransitionTime.Time.Equal(later) {
		t.Fatalf("status = %+v", st2)
	}

	failed := failedStatus(pdb, errors.New("found no controllers for pod \"a\""), now)
	if failed.DisruptionsAllowed != 0 || failed.Conditions[0].Reason != policyv1.SyncFailedReason || failed.Conditions[0].Message == "" {
		t.Fatalf("failed status = %+v", failed)
	}
}
