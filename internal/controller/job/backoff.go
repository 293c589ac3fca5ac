package job

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Backoff defaults match Kubernetes: 10 s after the first failure,
// doubling per consecutive failure, capped at 6 minutes.
const (
	DefaultBackoffBase = 10 * time.Second
	DefaultBackoffMax  = 6 * time.Minute
)

// backoffDelay is how long to wait before replacing a pod after failures
// consecutive failures (counted since the last success).
func backoffDelay(failures int, base, limit time.Duration) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := base
	for i := 1; i < failures; i++ {
		d *= 2
		if d >= limit {
			return limit
		}
	}
	return min(d, limit)
}

// remainingBackoff says how long pod creation must still wait at now,
// given the job's finished pods. Failures are counted since the latest
// success because a success proves the workload can run again.
func remainingBackoff(pods []*corev1.Pod, now time.Time, base, limit time.Duration) time.Duration {
	var lastSuccess, lastFailure time.Time
	for _, p := range pods {
		if p.Status.Phase == corev1.PodSucceeded {
			if t := finishTime(p); t.After(lastSuccess) {
				lastSuccess = t
			}
		}
	}
	failures := 0
	for _, p := range pods {
		if p.Status.Phase != corev1.PodFailed {
			continue
		}
		t := finishTime(p)
		if t.Before(lastSuccess) {
			continue
		}
		failures++
		if t.After(lastFailure) {
			lastFailure = t
		}
	}
	if failures == 0 {
		return 0
	}
	left := lastFailure.Add(backoffDelay(failures, base, limit)).Sub(now)
	return max(left, 0)
}

// finishTime is when a pod terminated: its last container's finishedAt,
// else its Ready condition's transition, else its creation.
func finishTime(p *corev1.Pod) time.Time {
	var t time.Time
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Terminated != nil && cs.State.Terminated.FinishedAt.After(t) {
			t = cs.State.Terminated.FinishedAt.Time
		}
	}
	if !t.IsZero() {
		return t
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && !c.LastTransitionTime.IsZero() {
			return c.LastTransitionTime.Time
		}
	}
	return p.CreationTimestamp.Time
}

// deadlineLeft is the time until activeDeadlineSeconds runs out; ok is
// false when the job has no deadline or has not started.
func deadlineLeft(job *batchv1.Job, now time.Time) (left time.Duration, ok bool) {
	if job.Spec.ActiveDeadlineSeconds == nil || job.Status.StartTime == nil {
		return 0, false
	}
	end := job.Status.StartTime.Add(time.Duration(*job.Spec.ActiveDeadlineSeconds) * time.Second)
	return end.Sub(now), true
}
