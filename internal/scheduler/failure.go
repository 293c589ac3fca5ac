package scheduler

import (
	"context"
	"encoding/json"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// recordFailure tells the user why the pod is pending: a Warning event
// FailedScheduling and the PodScheduled=False condition, both carrying the
// message. An unchanged message is not re-sent faster than
// FailureEventInterval (event) or at all (condition), so a pod retried on
// every cluster change does not flood the API server. A node nominated by
// preemption goes into the same status patch.
func (s *Scheduler) recordFailure(ctx context.Context, pod *corev1.Pod, reason, message, nominated string) {
	now := s.opts.Clock.Now()
	s.mu.Lock()
	last, seen := s.failures[pod.UID]
	repeat := seen && last.message == message && now.Sub(last.at) < s.opts.FailureEventInterval
	if !repeat {
		s.failures[pod.UID] = lastFailure{message: message, at: now}
	}
	s.mu.Unlock()
	if !repeat {
		s.recorder.Event(pod, corev1.EventTypeWarning, "FailedScheduling", message)
	}
	cond := podCondition(pod, corev1.PodScheduled)
	if nominated == "" && cond != nil && cond.Status == corev1.ConditionFalse && cond.Reason == reason && cond.Message == message {
		return
	}
	transition := metav1.NewTime(now)
	if cond != nil && cond.Status == corev1.ConditionFalse {
		transition = cond.LastTransitionTime
	}
	status := map[string]any{"conditions": []map[string]any{{
		"type": corev1.PodScheduled, "status": corev1.ConditionFalse, "reason": reason, "message": message,
		"lastProbeTime": nil, "lastTransitionTime": transition,
	}}}
	if nominated != "" {
		status["nominatedNodeName"] = nominated
	}
	patch := map[string]any{"status": status}
	if err := s.patchStatus(ctx, pod, patch); err != nil {
		slog.Info("Could not set PodScheduled condition", "pod", podKey(pod), "err", err)
	}
}

// patchStatus applies a strategic merge patch to the pod's status, which
// merges conditions by type instead of replacing the list.
func (s *Scheduler) patchStatus(ctx context.Context, pod *corev1.Pod, patch map[string]any) error {
	data, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	_, err = s.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, data, metav1.PatchOptions{}, "status")
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// forgetFailure drops the event memory of a pod that was bound or deleted.
func (s *Scheduler) forgetFailure(pod *corev1.Pod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.failures, pod.UID)
}

func podCondition(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}
