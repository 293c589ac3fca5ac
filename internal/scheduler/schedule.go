package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/internal/scheduler/framework"
	"github.com/bosun-dev/bosun/internal/scheduler/queue"
)

// scheduleOne runs one scheduling attempt for a popped pod.
func (s *Scheduler) scheduleOne(ctx context.Context, qp *queue.QueuedPod) {
	pod, err := s.pods.Pods(qp.Pod.Namespace).Get(qp.Pod.Name)
	if err != nil || pod.UID != qp.Pod.UID || !s.ours(pod) || s.cache.IsAssumedOrBound(pod.UID) {
		// Deleted, bound or replaced since it was queued.
		s.queue.Done(qp.Pod.UID)
		return
	}
	s.cache.UpdateSnapshot(s.snapshot)
	pi := framework.NewPodInfo(pod)
	pi.DefaultSpread = s.defaultSpreadSelector(pod)
	res, st, err := s.algo.Schedule(pi, s.snapshot)
	var fe *framework.FitError
	if errors.As(err, &fe) {
		s.unschedulable(ctx, qp, pod, st, fe)
		return
	}
	if err != nil {
		slog.Error("Scheduling failed", "pod", podKey(pod), "err", err)
		s.queue.Retry(qp)
		return
	}
	assumed := pod.DeepCopy()
	assumed.Spec.NodeName = res.Node
	pi.Pod = assumed
	s.cache.AssumePod(pi)
	slog.Debug("Pod assumed", "pod", podKey(pod), "node", res.Node, "evaluated", res.Evaluated, "feasible", res.Feasible)
	s.binds.Add(1)
	go func() {
		defer s.binds.Done()
		s.bind(ctx, qp, assumed)
	}()
}

// bind writes the decision through pods/binding; on failure the assumed
// resources are released and the pod retried after its backoff.
func (s *Scheduler) bind(ctx context.Context, qp *queue.QueuedPod, pod *corev1.Pod) {
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: pod.Spec.NodeName},
	}
	err := s.client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{})
	if err != nil {
		s.cache.ForgetPod(pod.UID)
		if apierrors.IsNotFound(err) || ctx.Err() != nil {
			s.queue.Done(pod.UID)
			return
		}
		slog.Info("Binding rejected", "pod", podKey(pod), "node", pod.Spec.NodeName, "err", err)
		s.recordFailure(ctx, pod, "SchedulerError", fmt.Sprintf("Binding rejected: %v", err), "")
		s.queue.Retry(qp)
		// The assumed resources just came free.
		s.queue.MoveAllToActiveOrBackoff()
		return
	}
	s.recorder.Eventf(pod, corev1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, pod.Spec.NodeName)
	s.queue.Done(pod.UID)
}

// unschedulable tries preemption, then reports why the pod does not fit
// and parks it until the cluster changes.
func (s *Scheduler) unschedulable(ctx context.Context, qp *queue.QueuedPod, pod *corev1.Pod, st *framework.CycleState, fe *framework.FitError) {
	nominated := ""
	if st != nil && len(s.snapshot.Nodes) > 0 {
		p, msg := s.algo.Preempt(st, s.snapshot, fe, s.disruptionBudgets())
		fe.PostFilterMsg = msg
		if p.Node != "" {
			if err := s.preempt(ctx, pod, st.Pod(), p); err != nil {
				slog.Info("Preemption failed", "pod", podKey(pod), "node", p.Node, "err", err)
			} else {
				nominated = p.Node
			}
		}
	}
	msg := fe.Error()
	slog.Info("Unable to schedule pod", "pod", podKey(pod), "reason", msg, "nominatedNode", nominated)
	s.recordFailure(ctx, pod, corev1.PodReasonUnschedulable, msg, nominated)
	s.queue.Unschedulable(qp)
}
