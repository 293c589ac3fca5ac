package cronjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/registry/batch"
)

// sync starts the CronJob's due run, if any, and returns how long until it
// should be looked at again (zero: only on change).
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	shared, err := c.cronJobs.CronJobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	cj := shared.DeepCopy()
	jobs, err := c.ownedJobs(cj)
	if err != nil {
		return 0, err
	}
	if err := c.reconcileActive(ctx, cj, jobs); err != nil {
		return 0, err
	}
	requeue, runErr := c.run(ctx, cj, jobs)
	cleanErr := c.cleanup(ctx, cj, jobs)
	if !equality.Semantic.DeepEqual(shared.Status, cj.Status) {
		if _, err := c.client.BatchV1().CronJobs(ns).UpdateStatus(ctx, cj, metav1.UpdateOptions{}); err != nil {
			return 0, errors.Join(runErr, cleanErr, fmt.Errorf("update status of cronjob %s: %w", key, err))
		}
	}
	return requeue, errors.Join(runErr, cleanErr)
}

// run creates the job for the most recent unmet schedule, subject to the
// deadline and concurrency policy.
func (c *Controller) run(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) (time.Duration, error) {
	if cj.DeletionTimestamp != nil {
		return 0, nil
	}
	loc := time.Local
	if tz := cj.Spec.TimeZone; tz != nil {
		l, err := time.LoadLocation(*tz)
		if err != nil {
			// Only a spec change can fix this; the update will requeue us.
			c.recorder.Eventf(cj, corev1.EventTypeWarning, "UnknownTimeZone", "invalid timeZone: %q: %s", *tz, err)
			return 0, nil
		}
		loc = l
	}
	sched, err := batch.ParseSchedule(cj.Spec.Schedule)
	if err != nil {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "UnparseableSchedule", "unparseable schedule: %q : %s", cj.Spec.Schedule, err)
		return 0, nil
	}
	if ptr.Deref(cj.Spec.Suspend, false) {
		return 0, nil
	}
	now := c.clock.Now().In(loc)
	next, _ := requeueAfter(sched, now)
	scheduled, missed := mostRecent(sched, earliestTime(cj, now).In(loc), now)
	if scheduled.IsZero() {
		return next, nil
	}
	if missed > tooManyMissed {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "TooManyMissedTimes",
			"too many missed start times: %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew", missed)
	}
	if tooLate(cj, scheduled, now) {
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "MissSchedule", "Missed scheduled time to start a job: %s", scheduled.UTC().Format(time.RFC1123Z))
		return next, nil
	}
	name := jobName(cj, scheduled)
	for _, ref := range cj.Status.Active {
		if ref.Name == name {
			return next, nil
		}
	}
	for _, j := range jobs {
		if j.Name == name {
			// This run already happened (and finished).
			return next, nil
		}
	}
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.ForbidConcurrent:
		if len(cj.Status.Active) > 0 {
			c.recorder.Eventf(cj, corev1.EventTypeNormal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid")
			return next, nil
		}
	case batchv1.ReplaceConcurrent:
		for _, ref := range cj.Status.Active {
			job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: ref.Namespace, Name: ref.Name}}
			if err := c.deleteJob(ctx, cj, job); err != nil {
				return 0, err
			}
		}
		cj.Status.Active = nil
	}
	job, err := c.client.BatchV1().Jobs(cj.Namespace).Create(ctx, newJob(cj, name, scheduled), metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		// A create whose answer was lost: the run exists, do not start it twice.
		return next, nil
	case err != nil:
		c.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedCreate", "Error creating job: %v", err)
		return 0, fmt.Errorf("create job %s/%s: %w", cj.Namespace, name, err)
	}
	c.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulCreate", "Created job %v", job.Name)
	slog.Info("Created job for schedule", "cronjob", cj.Namespace+"/"+cj.Name, "job", job.Name, "scheduled", scheduled)
	cj.Status.Active = append(cj.Status.Active, jobRef(job))
	cj.Status.LastScheduleTime = &metav1.Time{Time: scheduled}
	return next, nil
}

// newJob builds the job of one scheduled run from the CronJob's template.
func newJob(cj *batchv1.CronJob, name string, scheduled time.Time) *batchv1.Job {
	t := cj.Spec.JobTemplate.DeepCopy()
	annotations := t.Annotations
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[batchv1.CronJobScheduledTimestampAnnotation] = scheduled.Format(time.RFC3339)
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: cj.Namespace, Labels: t.Labels, Annotations: annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))},
		},
		Spec: t.Spec,
	}
}

// cleanup deletes finished jobs beyond the history limits.
func (c *Controller) cleanup(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) error {
	var errs []error
	excess := append(excessFinished(jobs, batchv1.JobComplete, cj.Spec.SuccessfulJobsHistoryLimit),
		excessFinished(jobs, batchv1.JobFailed, cj.Spec.FailedJobsHistoryLimit)...)
	for _, j := range excess {
		errs = append(errs, c.deleteJob(ctx, cj, j))
	}
	return errors.Join(errs...)
}
