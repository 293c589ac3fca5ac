package ttlafterfinished

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// finishedAt is when the job reached Complete or Failed; ok is false for a
// job still running.
func finishedAt(job *batchv1.Job) (time.Time, bool) {
	for _, c := range job.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			if !c.LastTransitionTime.IsZero() {
				return c.LastTransitionTime.Time, true
			}
			if job.Status.CompletionTime != nil {
				return job.Status.CompletionTime.Time, true
			}
			return time.Time{}, false
		}
	}
	return time.Time{}, false
}

// needsCleanup says whether the controller should look at the job at all.
func needsCleanup(job *batchv1.Job) bool {
	if job.Spec.TTLSecondsAfterFinished == nil || job.DeletionTimestamp != nil {
		return false
	}
	_, ok := finishedAt(job)
	return ok
}

// timeLeft is how long the job has before it expires at now; zero or less
// means delete it.
func timeLeft(job *batchv1.Job, now time.Time) (time.Duration, bool) {
	if !needsCleanup(job) {
		return 0, false
	}
	at, _ := finishedAt(job)
	expire := at.Add(time.Duration(*job.Spec.TTLSecondsAfterFinished) * time.Second)
	return expire.Sub(now), true
}
