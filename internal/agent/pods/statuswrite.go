package pods

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// writeStatus stores st on pods/status when it differs from both the pod's
// current status and the last status written (the informer may not have
// caught up with it yet). On a conflict it re-reads the pod, keeps the
// conditions others wrote meanwhile and tries once more; the next sync
// repairs anything else.
func (m *Manager) writeStatus(ctx context.Context, w *worker, pod *v1.Pod, st v1.PodStatus) error {
	if w.lastStatus != nil && equality.Semantic.DeepEqual(*w.lastStatus, st) {
		return nil
	}
	if equality.Semantic.DeepEqual(pod.Status, st) {
		w.lastStatus = &st
		return nil
	}
	pods := m.cfg.Client.CoreV1().Pods(pod.Namespace)
	p := pod.DeepCopy()
	p.Status = st
	_, err := pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		fresh, gerr := pods.Get(ctx, pod.Name, metav1.GetOptions{})
		if gerr != nil {
			return fmt.Errorf("get pod %s/%s after a status conflict: %w", pod.Namespace, pod.Name, gerr)
		}
		if fresh.UID != pod.UID {
			return nil
		}
		fresh.Status = mergeForeignConditions(st, fresh.Status.Conditions)
		_, err = pods.UpdateStatus(ctx, fresh, metav1.UpdateOptions{})
	}
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("update status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	w.lastStatus = &st
	return nil
}

// mergeForeignConditions returns st with the conditions the agent does not
// own taken from current.
func mergeForeignConditions(st v1.PodStatus, current []v1.PodCondition) v1.PodStatus {
	var conds []v1.PodCondition
	for _, c := range current {
		if !ownedCondition(c.Type) {
			conds = append(conds, c)
		}
	}
	for _, c := range st.Conditions {
		if ownedCondition(c.Type) {
			conds = append(conds, c)
		}
	}
	st.Conditions = conds
	return st
}
