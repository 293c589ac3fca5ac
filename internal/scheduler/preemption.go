package scheduler

import (
	"context"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bosun-dev/bosun/internal/scheduler/framework"
)

// preempt evicts the victims chosen for pod on p.Node and holds the room
// there for it until the victims are gone and the pod is retried (their
// deletions wake it); the caller records the nomination in the pod status.
func (s *Scheduler) preempt(ctx context.Context, pod *corev1.Pod, pi *framework.PodInfo, p framework.Preemption) error {
	s.cache.SetNominated(pi, p.Node)
	for _, v := range p.Victims {
		if err := s.evict(ctx, pod, v, p.Node); err != nil {
			return err
		}
	}
	return nil
}

// evict marks a victim with the DisruptionTarget condition, as
// kube-scheduler does, then deletes it with its own grace period.
func (s *Scheduler) evict(ctx context.Context, preemptor, victim *corev1.Pod, node string) error {
	cond := map[string]any{"status": map[string]any{"conditions": []map[string]any{{
		"type": corev1.DisruptionTarget, "status": corev1.ConditionTrue, "reason": corev1.PodReasonPreemptionByScheduler,
		"message":            fmt.Sprintf("%s: preempting to accommodate a higher priority pod", s.opts.SchedulerName),
		"lastTransitionTime": metav1.NewTime(s.opts.Clock.Now()),
	}}}}
	if err := s.patchStatus(ctx, victim, cond); err != nil {
		slog.Info("Could not mark preemption victim", "pod", podKey(victim), "err", err)
	}
	uid := victim.UID
	err := s.client.CoreV1().Pods(victim.Namespace).Delete(ctx, victim.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("preempt pod %s: %w", podKey(victim), err)
	}
	s.recorder.Eventf(victim, corev1.EventTypeNormal, "Preempted", "Preempted by pod %s on node %s", preemptor.UID, node)
	slog.Info("Preempted pod", "pod", podKey(victim), "preemptor", podKey(preemptor), "node", node)
	return nil
}

// disruptionBudgets lists budgets for preemption to respect where it can.
func (s *Scheduler) disruptionBudgets() []framework.PDB {
	list, err := s.budgets.List(labels.Everything())
	if err != nil {
		return nil
	}
	out := make([]framework.PDB, 0, len(list))
	for _, b := range list {
		sel, err := metav1.LabelSelectorAsSelector(b.Spec.Selector)
		if err != nil || b.Spec.Selector == nil {
			continue
		}
		out = append(out, framework.PDB{Namespace: b.Namespace, Selector: sel, Allowed: b.Status.DisruptionsAllowed})
	}
	return out
}
