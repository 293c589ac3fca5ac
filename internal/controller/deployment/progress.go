package deployment

import (
	"fmt"
	"math"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition reasons, as Kubernetes writes them and kubectl reads them.
const (
	reasonNewRSCreated    = "NewReplicaSetCreated"
	reasonFoundNewRS      = "FoundNewReplicaSet"
	reasonRSUpdated       = "ReplicaSetUpdated"
	reasonNewRSAvailable  = "NewReplicaSetAvailable"
	reasonTimedOut        = "ProgressDeadlineExceeded"
	reasonFailedRSCreate  = "ReplicaSetCreateError"
	reasonPaused          = "DeploymentPaused"
	reasonResumed         = "DeploymentResumed"
	reasonMinAvailable    = "MinimumReplicasAvailable"
	reasonMinUnavailable  = "MinimumReplicasUnavailable"
	messageMinAvailable   = "Deployment has minimum availability."
	messageMinUnavailable = "Deployment does not have minimum availability."
	messagePaused         = "Deployment is paused"
	messageResumed        = "Deployment is resumed"
)

func newCondition(t appsv1.DeploymentConditionType, s corev1.ConditionStatus, reason, msg string, now time.Time) appsv1.DeploymentCondition {
	n := metav1.NewTime(now)
	return appsv1.DeploymentCondition{Type: t, Status: s, LastUpdateTime: n, LastTransitionTime: n, Reason: reason, Message: msg}
}

func getCondition(s *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			return &s.Conditions[i]
		}
	}
	return nil
}

// setCondition replaces the condition of c's type unless status and reason
// are unchanged (then nothing, not even the times, changes), keeping the
// transition time when only the reason moved.
func setCondition(s *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	cur := getCondition(s, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	removeCondition(s, c.Type)
	s.Conditions = append(s.Conditions, c)
}

func removeCondition(s *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) {
	var keep []appsv1.DeploymentCondition
	for _, c := range s.Conditions {
		if c.Type != t {
			keep = append(keep, c)
		}
	}
	s.Conditions = keep
}

func hasProgressDeadline(d *appsv1.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != math.MaxInt32
}

// calculateStatus sums the ReplicaSets' status into the deployment's and
// sets Available by whether maxUnavailable is respected.
func calculateStatus(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, now time.Time) appsv1.DeploymentStatus {
	available := sumAvailable(all)
	s := appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		AvailableReplicas:   available,
		UnavailableReplicas: max(0, sumReplicas(all)-available),
		CollisionCount:      d.Status.CollisionCount,
	}
	for _, rs := range all {
		if rs == nil {
			continue
		}
		s.Replicas += rs.Status.Replicas
		s.ReadyReplicas += rs.Status.ReadyReplicas
	}
	if newRS != nil {
		s.UpdatedReplicas = newRS.Status.Replicas
	}
	s.TerminatingReplicas = sumTerminating(all)
	s.Conditions = append(s.Conditions, d.Status.Conditions...)
	if available >= replicasOf(d)-maxUnavailable(d) {
		setCondition(&s, newCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, reasonMinAvailable, messageMinAvailable, now))
	} else {
		setCondition(&s, newCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, reasonMinUnavailable, messageMinUnavailable, now))
	}
	return s
}

// sumTerminating totals the ReplicaSets' terminating pods, unknown (nil)
// while any ReplicaSet has not reported them.
func sumTerminating(all []*appsv1.ReplicaSet) *int32 {
	var n int32
	for _, rs := range all {
		if rs == nil {
			continue
		}
		if rs.Status.TerminatingReplicas == nil {
			return nil
		}
		n += *rs.Status.TerminatingReplicas
	}
	return &n
}

// complete: every replica is updated and available and no old one is left.
func complete(d *appsv1.Deployment, s *appsv1.DeploymentStatus) bool {
	n := replicasOf(d)
	return s.UpdatedReplicas == n && s.Replicas == n && s.AvailableReplicas == n && s.ObservedGeneration >= d.Generation
}

// progressing: some count moved toward the goal since the last status.
func progressing(d *appsv1.Deployment, s *appsv1.DeploymentStatus) bool {
	old := d.Status
	return s.UpdatedReplicas > old.UpdatedReplicas ||
		s.Replicas-s.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		s.ReadyReplicas > old.ReadyReplicas ||
		s.AvailableReplicas > old.AvailableReplicas
}

// timedOut: no progress recorded for progressDeadlineSeconds.
func timedOut(d *appsv1.Deployment, s *appsv1.DeploymentStatus, now time.Time) bool {
	if !hasProgressDeadline(d) {
		return false
	}
	c := getCondition(s, appsv1.DeploymentProgressing)
	if c == nil || c.Reason == reasonNewRSAvailable {
		return false
	}
	if c.Reason == reasonTimedOut {
		return true
	}
	deadline := c.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second)
	return deadline.Before(now)
}

// rolloutStatus computes the full status after a rollout step: counts,
// Available, Progressing (complete, progressing, or timed out) and
// ReplicaFailure copied from any ReplicaSet that reports one.
func rolloutStatus(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, now time.Time) appsv1.DeploymentStatus {
	s := calculateStatus(d, all, newRS, now)
	if !hasProgressDeadline(d) {
		removeCondition(&s, appsv1.DeploymentProgressing)
	}
	cur := getCondition(&s, appsv1.DeploymentProgressing)
	done := s.Replicas == s.UpdatedReplicas && cur != nil && cur.Reason == reasonNewRSAvailable
	if hasProgressDeadline(d) && !done {
		switch {
		case complete(d, &s):
			msg := fmt.Sprintf("Deployment %q has successfully progressed.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q has successfully progressed.", newRS.Name)
			}
			setCondition(&s, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonNewRSAvailable, msg, now))
		case progressing(d, &s):
			msg := fmt.Sprintf("Deployment %q is progressing.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q is progressing.", newRS.Name)
			}
			c := newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonRSUpdated, msg, now)
			// Progress refreshes lastUpdateTime, which the deadline runs
			// from, even when the reason stays the same.
			if cur != nil {
				if cur.Status == corev1.ConditionTrue {
					c.LastTransitionTime = cur.LastTransitionTime
				}
				removeCondition(&s, appsv1.DeploymentProgressing)
			}
			setCondition(&s, c)
		case timedOut(d, &s, now):
			msg := fmt.Sprintf("Deployment %q has timed out progressing.", d.Name)
			if newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q has timed out progressing.", newRS.Name)
			}
			setCondition(&s, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, reasonTimedOut, msg, now))
		}
	}
	if f := replicaFailure(all); f != nil {
		setCondition(&s, newCondition(appsv1.DeploymentReplicaFailure, f.Status, f.Reason, f.Message, now))
	} else {
		removeCondition(&s, appsv1.DeploymentReplicaFailure)
	}
	return s
}

func replicaFailure(all []*appsv1.ReplicaSet) *appsv1.ReplicaSetCondition {
	for _, rs := range all {
		if rs == nil {
			continue
		}
		for i := range rs.Status.Conditions {
			if rs.Status.Conditions[i].Type == appsv1.ReplicaSetReplicaFailure {
				return &rs.Status.Conditions[i]
			}
		}
	}
	return nil
}

// stuckRequeue is when to look again at a deployment that made no progress,
// so that ProgressDeadlineExceeded is reported on time without any event to
// trigger it; zero means no timed look is needed.
func stuckRequeue(d *appsv1.Deployment, s *appsv1.DeploymentStatus, now time.Time) (time.Duration, bool) {
	c := getCondition(s, appsv1.DeploymentProgressing)
	if !hasProgressDeadline(d) || c == nil || c.Reason == reasonNewRSAvailable || c.Reason == reasonTimedOut || complete(d, s) {
		return 0, false
	}
	after := c.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second).Sub(now)
	if after < time.Second {
		return 0, true
	}
	return after, true
}
