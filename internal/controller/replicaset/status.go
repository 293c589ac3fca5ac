package replicaset

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

// calculateStatus derives status from the active pods (and the count of
// terminating ones) at time now. It also
// returns how long until the next pod becomes available through
// minReadySeconds (zero when none is waiting), for a timed requeue.
func calculateStatus(rs *appsv1.ReplicaSet, active []*corev1.Pod, terminating int32, manageErr error, now time.Time) (appsv1.ReplicaSetStatus, time.Duration) {
	s := rs.Status.DeepCopy()
	s.Replicas = int32(len(active))
	s.TerminatingReplicas = &terminating
	s.FullyLabeledReplicas, s.ReadyReplicas, s.AvailableReplicas = 0, 0, 0
	templateLabels := labels.Set(rs.Spec.Template.Labels).AsSelectorPreValidated()
	minReady := time.Duration(rs.Spec.MinReadySeconds) * time.Second
	var wait time.Duration
	for _, p := range active {
		if templateLabels.Matches(labels.Set(p.Labels)) {
			s.FullyLabeledReplicas++
		}
		if !podstatus.Ready(p) {
			continue
		}
		s.ReadyReplicas++
		left := minReady - now.Sub(readySince(p))
		if minReady == 0 || left <= 0 {
			s.AvailableReplicas++
			continue
		}
		if wait == 0 || left < wait {
			wait = left
		}
	}
	failure := condition(s, appsv1.ReplicaSetReplicaFailure)
	switch {
	case manageErr != nil && failure == nil:
		reason := "FailedCreate"
		if int(replicas(rs)) < len(active) {
			reason = "FailedDelete"
		}
		s.Conditions = append(s.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(now), Reason: reason, Message: manageErr.Error(),
		})
	case manageErr == nil && failure != nil:
		var keep []appsv1.ReplicaSetCondition
		for _, c := range s.Conditions {
			if c.Type != appsv1.ReplicaSetReplicaFailure {
				keep = append(keep, c)
			}
		}
		s.Conditions = keep
	}
	s.ObservedGeneration = rs.Generation
	return *s, wait
}

func condition(s *appsv1.ReplicaSetStatus, t appsv1.ReplicaSetConditionType) *appsv1.ReplicaSetCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			return &s.Conditions[i]
		}
	}
	return nil
}

// updateStatus writes status unless unchanged. On a conflict it retries on
// a fresh copy: the status is derived from pods, not from the stale
// object, so it is still right for the newer ReplicaSet (observedGeneration
// aside, which the next sync corrects).
func (c *Controller) updateStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) error {
	if equality.Semantic.DeepEqual(rs.Status, status) {
		return nil
	}
	api := c.client.AppsV1().ReplicaSets(rs.Namespace)
	for attempt := 0; ; attempt++ {
		rs.Status = status
		_, err := api.UpdateStatus(ctx, rs, metav1.UpdateOptions{})
		if err == nil || apierrors.IsNotFound(err) {
			return nil
		}
		if !apierrors.IsConflict(err) || attempt == 2 {
			return fmt.Errorf("update status of replica set %s/%s: %w", rs.Namespace, rs.Name, err)
		}
		fresh, gerr := api.Get(ctx, rs.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(gerr) {
			return nil
		}
		if gerr != nil {
			return fmt.Errorf("update status of replica set %s/%s: %w", rs.Namespace, rs.Name, err)
		}
		if fresh.Generation != rs.Generation {
			// The spec changed: the informer will bring a new sync.
			return nil
		}
		rs = fresh
	}
}
