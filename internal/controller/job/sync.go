package job

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
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

// managedBy is the spec.managedBy value naming this controller.
const managedBy = "kubernetes.io/job-controller"

// sync brings one job's pods and status in line with its spec.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	shared, err := c.jobs.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.Forget(key)
		return c.releaseOrphans(ctx, ns, name)
	}
	if err != nil {
		return err
	}
	if m := shared.Spec.ManagedBy; m != nil && *m != managedBy {
		// Another controller owns this job's lifecycle.
		return nil
	}
	job := shared.DeepCopy()
	pods, err := c.ownedPods(job)
	if err != nil {
		return err
	}
	sets := classify(job, pods)
	if isFinished(job) || job.DeletionTimestamp != nil {
		// A finished or deleted job only lets go of its pods so they can
		// be deleted.
		var errs []error
		for _, p := range pods {
			errs = append(errs, c.releasePod(ctx, p))
		}
		return errors.Join(errs...)
	}
	old := shared.Status.DeepCopy()
	job, verdict, err := c.track(ctx, job, sets)
	if err != nil {
		return err
	}
	st := &job.Status
	now := c.clock.Now()
	mnow := metav1.NewTime(now)

	if !hasCondition(st, batchv1.JobFailureTarget) && !hasCondition(st, batchv1.JobSuccessCriteriaMet) {
		c.suspendOrResume(job, mnow)
		if st.StartTime == nil && !ptr.Deref(job.Spec.Suspend, false) {
			st.StartTime = &mnow
		}
		reason, msg := failure(job, verdict, now)
		switch {
		case reason != "":
			setCondition(st, batchv1.JobFailureTarget, corev1.ConditionTrue, reason, msg, mnow)
		case complete(job, len(sets.active)):
			setCondition(st, batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, batchv1.JobReasonCompletionsReached, msgCompletionsReached, mnow)
		default:
			if msg, ok := matchSuccessPolicy(job); ok {
				setCondition(st, batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, batchv1.JobReasonSuccessPolicy, msg, mnow)
			}
		}
	}

	var manageErr error
	active := sets.active
	switch {
	case hasCondition(st, batchv1.JobFailureTarget) || hasCondition(st, batchv1.JobSuccessCriteriaMet) || ptr.Deref(job.Spec.Suspend, false):
		manageErr = errors.Join(c.deletePods(ctx, key, job, active)...)
		sets.terminating += len(active)
		active = nil
	case c.expect.Satisfied(key, now):
		if wait := remainingBackoff(sets.finished, now, c.backoffBase, c.backoffMax); wait > 0 {
			c.queue.AddAfter(key, wait)
			break
		}
		p := plan(job, active, sets.dying)
		manageErr = c.apply(ctx, key, job, p, indexFailures(append(sets.finished, sets.dying...)))
		active = excluding(active, p.remove)
		sets.terminating += len(p.remove)
	}

	// Pods just created but not yet in the cache are active too, so
	// status.active does not dip between syncs.
	st.Active = int32(len(active)) + int32(c.expect.PendingAdds(key))
	st.Ready = ptr.To(countReady(active))
	st.Terminating = ptr.To(int32(sets.terminating))
	c.finish(job, sets.terminating, mnow)
	if left, ok := deadlineLeft(job, now); ok && !isFinished(job) && left > 0 {
		c.queue.AddAfter(key, left)
	}
	if !equality.Semantic.DeepEqual(old, st) {
		if _, err := c.client.BatchV1().Jobs(ns).UpdateStatus(ctx, job, metav1.UpdateOptions{}); err != nil {
			return errors.Join(manageErr, fmt.Errorf("update status of job %s: %w", key, err))
		}
	}
	return manageErr
}

// ownedPods lists the pods the job controls.
func (c *Controller) ownedPods(job *batchv1.Job) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	if err != nil || job.Spec.Selector == nil {
		// The API validates selectors; a bad one cannot be fixed by retrying.
		return nil, nil
	}
	all, err := c.pods.Pods(job.Namespace).List(sel)
	if err != nil {
		return nil, fmt.Errorf("list pods of job %s/%s: %w", job.Namespace, job.Name, err)
	}
	var out []*corev1.Pod
	for _, p := range all {
		if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == job.UID {
			out = append(out, p)
		}
	}
	return out, nil
}

// releaseOrphans frees the pods of a deleted job: nobody else would
// remove their tracking finalizer, and they could never be deleted.
func (c *Controller) releaseOrphans(ctx context.Context, ns, name string) error {
	pods, err := c.pods.Pods(ns).List(labels.Everything())
	if err != nil {
		return fmt.Errorf("list pods of deleted job %s/%s: %w", ns, name, err)
	}
	var errs []error
	for _, p := range pods {
		ref := metav1.GetControllerOf(p)
		if ref != nil && ref.Kind == "Job" && ref.Name == name && hasTracking(p) {
			errs = append(errs, c.releasePod(ctx, p))
		}
	}
	return errors.Join(errs...)
}

// failure names the reason the job must fail now, if any.
func failure(job *batchv1.Job, verdict *policyVerdict, now time.Time) (string, string) {
	if reason, msg := indexFailure(job); reason != "" && verdict == nil {
		return reason, msg
	}
	switch {
	case verdict != nil:
		return batchv1.JobReasonPodFailurePolicy, verdict.message
	case job.Status.Failed > ptr.Deref(job.Spec.BackoffLimit, 6):
		return batchv1.JobReasonBackoffLimitExceeded, msgBackoffLimit
	}
	if left, ok := deadlineLeft(job, now); ok && left <= 0 {
		return batchv1.JobReasonDeadlineExceeded, msgDeadline
	}
	return "", ""
}

// complete reports whether enough pods succeeded. Without completions
// (a work queue), one success and no running pods completes the job.
func complete(job *batchv1.Job, active int) bool {
	st := job.Status
	if job.Spec.Completions == nil {
		return st.Succeeded > 0 && active == 0
	}
	return st.Succeeded >= *job.Spec.Completions
}

// suspendOrResume keeps the Suspended condition in step with spec.suspend.
// Resuming restarts the clock for activeDeadlineSeconds.
func (c *Controller) suspendOrResume(job *batchv1.Job, now metav1.Time) {
	st := &job.Status
	if ptr.Deref(job.Spec.Suspend, false) {
		if !hasCondition(st, batchv1.JobSuspended) {
			setCondition(st, batchv1.JobSuspended, corev1.ConditionTrue, reasonSuspended, "Job suspended", now)
			c.recorder.Event(job, corev1.EventTypeNormal, "Suspended", "Job suspended")
		}
		return
	}
	if hasCondition(st, batchv1.JobSuspended) {
		setCondition(st, batchv1.JobSuspended, corev1.ConditionFalse, reasonResumed, "Job resumed", now)
		st.StartTime = &now
		c.recorder.Event(job, corev1.EventTypeNormal, "Resumed", "Job resumed")
	}
}

// finish turns SuccessCriteriaMet into Complete and FailureTarget into
// Failed once no pod of the job is left running or terminating.
func (c *Controller) finish(job *batchv1.Job, terminating int, now metav1.Time) {
	st := &job.Status
	if st.Active > 0 || terminating > 0 {
		return
	}
	if c := findCondition(st, batchv1.JobSuccessCriteriaMet); c != nil && c.Status == corev1.ConditionTrue {
		setCondition(st, batchv1.JobComplete, corev1.ConditionTrue, c.Reason, c.Message, now)
		st.CompletionTime = &now
	} else if c := findCondition(st, batchv1.JobFailureTarget); c != nil && c.Status == corev1.ConditionTrue {
		setCondition(st, batchv1.JobFailed, corev1.ConditionTrue, c.Reason, c.Message, now)
	} else {
		return
	}
	if hasCondition(st, batchv1.JobComplete) {
		c.recorder.Event(job, corev1.EventTypeNormal, "Completed", "Job completed")
	} else {
		f := findCondition(st, batchv1.JobFailed)
		c.recorder.Event(job, corev1.EventTypeWarning, f.Reason, f.Message)
	}
	slog.Info("Job finished", "job", job.Namespace+"/"+job.Name, "succeeded", st.Succeeded, "failed", st.Failed)
}

func countReady(pods []*corev1.Pod) int32 {
	var n int32
	for _, p := range pods {
		if podstatus.Ready(p) {
			n++
		}
	}
	return n
}

func excluding(pods, drop []*corev1.Pod) []*corev1.Pod {
	gone := map[*corev1.Pod]bool{}
	for _, p := range drop {
		gone[p] = true
	}
	var out []*corev1.Pod
	for _, p := range pods {
		if !gone[p] {
			out = append(out, p)
		}
	}
	return out
}
