package integration

import (
	"net/http"
	"testing"

	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Pods get their priority from their PriorityClass, or from the global
// default class; an unknown class or a contradicting value is refused.
func TestPodPriorityAdmission(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	pcs := shared.client.SchedulingV1().PriorityClasses()
	high := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: ns + "-high"}, Value: 1000}
	if _, err := pcs.Create(c, high, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pcs.Delete(c, high.Name, metav1.DeleteOptions{}) })
	pods := shared.client.CoreV1().Pods(ns)

	p := pod(ns, "high", nil)
	p.Spec.PriorityClassName = high.Name
	got, err := pods.Create(c, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Priority == nil || *got.Spec.Priority != 1000 {
		t.Errorf("priority %v, want 1000", got.Spec.Priority)
	}

	got, err = pods.Create(c, pod(ns, "plain", nil), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Priority == nil || *got.Spec.Priority != 0 {
		t.Errorf("priority %v without a class, want 0", got.Spec.Priority)
	}

	p = pod(ns, "missing", nil)
	p.Spec.PriorityClassName = "no-such-class"
	_, err = pods.Create(c, p, metav1.CreateOptions{})
	st := wantStatus(t, err, http.StatusForbidden, metav1.StatusReasonForbidden)
	if want := `pods "missing" is forbidden: no PriorityClass with name no-such-class was found`; st != nil && st.ErrStatus.Message != want {
		t.Errorf("message %q, want %q", st.ErrStatus.Message, want)
	}

	p = pod(ns, "contradicts", nil)
	p.Spec.PriorityClassName = high.Name
	five := int32(5)
	p.Spec.Priority = &five
	_, err = pods.Create(c, p, metav1.CreateOptions{})
	wantStatus(t, err, http.StatusForbidden, metav1.StatusReasonForbidden)
}
