package cronjob

import (
	"context"
	"fmt"
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// finishedType is the terminal condition of a job, or "" while it runs.
func finishedType(job *batchv1.Job) batchv1.JobConditionType {
	for _, c := range job.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type
		}
	}
	return ""
}

// ownedJobs lists the jobs the CronJob controls.
func (c *Controller) ownedJobs(cj *batchv1.CronJob) ([]*batchv1.Job, error) {
	all, err := c.jobs.Jobs(cj.Namespace).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list jobs of cronjob %s/%s: %w", cj.Namespace, cj.Name, err)
	}
	var out []*batchv1.Job
	for _, j := range all {
		if ref := metav1.GetControllerOf(j); ref != nil && ref.UID == cj.UID {
			out = append(out, j)
		}
	}
	return out, nil
}

// reconcileActive makes status.active list exactly the running owned jobs,
// noting finished ones (and lastSuccessfulTime) and ones that vanished.
func (c *Controller) reconcileActive(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) error {
	byUID := map[string]*batchv1.Job{}
	for _, j := range jobs {
		byUID[string(j.UID)] = j
	}
	listed := map[string]bool{}
	var active []corev1.ObjectReference
	for _, ref := range cj.Status.Active {
		listed[string(ref.UID)] = true
		j, ok := byUID[string(ref.UID)]
		if !ok {
			// The cache may lag a job we just created; ask the server.
			_, err := c.client.BatchV1().Jobs(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				c.recorder.Eventf(cj, corev1.EventTypeNormal, "MissingJob", "Active job went missing: %v", ref.Name)
				continue
			}
			if err != nil {
				return fmt.Errorf("get active job %s/%s: %w", ref.Namespace, ref.Name, err)
			}
			active = append(active, ref)
			continue
		}
		if t := finishedType(j); t != "" {
			c.recorder.Eventf(cj, corev1.EventTypeNormal, "SawCompletedJob", "Saw completed job: %s, status: %v", j.Name, t)
			continue
		}
		active = append(active, ref)
	}
	for _, j := range jobs {
		if !listed[string(j.UID)] && finishedType(j) == "" {
			// Ours but not listed: made by hand (kubectl create job --from)
			// or by a run whose status write was lost. Kubernetes reports it
			// and leaves it out of status.active, so Forbid ignores it.
			c.recorder.Eventf(cj, corev1.EventTypeWarning, "UnexpectedJob", "Saw a job that the controller did not create or forgot: %s", j.Name)
		}
		if finishedType(j) == batchv1.JobComplete && j.Status.CompletionTime != nil {
			if last := cj.Status.LastSuccessfulTime; last == nil || last.Before(j.Status.CompletionTime) {
				cj.Status.LastSuccessfulTime = j.Status.CompletionTime.DeepCopy()
			}
		}
	}
	cj.Status.Active = active
	return nil
}

func jobRef(j *batchv1.Job) corev1.ObjectReference {
	return corev1.ObjectReference{
		Kind: "Job", APIVersion: batchv1.SchemeGroupVersion.String(),
		Namespace: j.Namespace, Name: j.Name, UID: j.UID, ResourceVersion: j.ResourceVersion,
	}
}

// excessFinished picks, oldest first, the finished jobs of one outcome
// beyond limit.
func excessFinished(jobs []*batchv1.Job, outcome batchv1.JobConditionType, limit *int32) []*batchv1.Job {
	if limit == nil {
		return nil
	}
	var done []*batchv1.Job
	for _, j := range jobs {
		if finishedType(j) == outcome {
			done = append(done, j)
		}
	}
	if len(done) <= int(*limit) {
		return nil
	}
	sort.SliceStable(done, func(a, b int) bool { return startTime(done[a]).Before(startTime(done[b])) })
	return done[:len(done)-int(*limit)]
}

func startTime(j *batchv1.Job) time.Time {
	if j.Status.StartTime != nil {
		return j.Status.StartTime.Time
	}
	return j.CreationTimestamp.Time
}

// deleteJob removes a job and its pods, recording it as Kubernetes does.
func (c *Controller) deleteJob(ctx context.Context, cj *batchv1.CronJob, job *batchv1.Job) error {
	policy := metav1.DeletePropagationBackground
	err := c.client.BatchV1().Jobs(job.Namespace).Delete(ctx, job.Name, metav1.DeleteOptions{PropagationPolicy: &policy})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedDelete", "Deleted job: %v", err)
		return fmt.Errorf("delete job %s/%s: %w", job.Namespace, job.Name, err)
	}
	c.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job %v", job.Name)
	return nil
}
