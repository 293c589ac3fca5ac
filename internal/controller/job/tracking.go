package job

import (
	"context"
	"fmt"
	"slices"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podSets splits a job's pods by what the controller must do with them.
type podSets struct {
	active      []*corev1.Pod // running or pending, not being deleted
	terminating int           // being deleted, not yet terminal
	// dying are the terminating pods; with podReplacementPolicy Failed
	// they still hold their place until they reach the Failed phase.
	dying    []*corev1.Pod
	finished []*corev1.Pod // terminal (for backoff arithmetic)
	toCount  []*corev1.Pod // finished but still carrying the tracking finalizer
}

func hasTracking(p *corev1.Pod) bool {
	for _, f := range p.Finalizers {
		if f == batchv1.JobTrackingFinalizer {
			return true
		}
	}
	return false
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// classify sorts pods. A pod deleted by someone else while running counts
// as failed once it carries our finalizer, unless podReplacementPolicy is
// Failed, which waits for the Failed phase.
func classify(job *batchv1.Job, pods []*corev1.Pod) podSets {
	var s podSets
	waitForFailed := replaceOnlyFailed(job)
	for _, p := range pods {
		switch {
		case terminal(p):
			s.finished = append(s.finished, p)
			if hasTracking(p) {
				s.toCount = append(s.toCount, p)
			}
		case p.DeletionTimestamp != nil:
			s.terminating++
			s.dying = append(s.dying, p)
			if hasTracking(p) && !waitForFailed {
				s.toCount = append(s.toCount, p)
			}
		default:
			s.active = append(s.active, p)
		}
	}
	return s
}

// replaceOnlyFailed reads podReplacementPolicy Failed: a terminating pod
// is neither counted nor replaced until it is Failed.
func replaceOnlyFailed(job *batchv1.Job) bool {
	return job.Spec.PodReplacementPolicy != nil && *job.Spec.PodReplacementPolicy == batchv1.Failed
}

func succeeded(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded }

// track records newly finished pods in uncountedTerminatedPods (written to
// the API first, so a crash cannot lose them), releases their finalizers,
// and only then moves them into the counters. It returns the possibly
// updated job and the FailJob verdict of a failed pod, if any.
func (c *Controller) track(ctx context.Context, job *batchv1.Job, sets podSets) (*batchv1.Job, *policyVerdict, error) {
	st := &job.Status
	if st.UncountedTerminatedPods == nil {
		st.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	u := st.UncountedTerminatedPods
	known := map[types.UID]bool{}
	for _, uid := range append(append([]types.UID{}, u.Succeeded...), u.Failed...) {
		known[uid] = true
	}
	var verdict *policyVerdict
	ignored := map[types.UID]bool{}
	added := false
	for _, p := range sets.toCount {
		if known[p.UID] {
			continue
		}
		if succeeded(p) {
			u.Succeeded = append(u.Succeeded, p.UID)
			added = true
			continue
		}
		v := matchFailurePolicy(job.Spec.PodFailurePolicy, p)
		switch v.action {
		case batchv1.PodFailurePolicyActionIgnore:
			ignored[p.UID] = true
			continue
		case batchv1.PodFailurePolicyActionFailJob:
			if verdict == nil {
				verdict = &v
			}
		}
		u.Failed = append(u.Failed, p.UID)
		added = true
	}
	if added {
		updated, err := c.client.BatchV1().Jobs(job.Namespace).UpdateStatus(ctx, job, metav1.UpdateOptions{})
		if err != nil {
			return nil, nil, fmt.Errorf("record finished pods of job %s/%s: %w", job.Namespace, job.Name, err)
		}
		job = updated
		st, u = &job.Status, job.Status.UncountedTerminatedPods
	}
	// By name, so a retry after a failure walks the same order.
	slices.SortFunc(sets.toCount, func(a, b *corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	for _, p := range sets.toCount {
		if err := c.releasePod(ctx, p); err != nil {
			return nil, nil, err
		}
	}
	// Every recorded pod's finalizer is gone now (or the pod is), so the
	// counters can absorb them.
	done := parseIndexes(st.CompletedIndexes)
	byUID := map[types.UID]*corev1.Pod{}
	for _, p := range append(append([]*corev1.Pod{}, sets.finished...), sets.dying...) {
		byUID[p.UID] = p
	}
	for _, uid := range u.Succeeded {
		if indexed(job) {
			if p := byUID[uid]; p != nil {
				if i := podIndex(p); i != noIndex && i < int(completions(job)) {
					done[i] = true
				}
			}
			continue
		}
		st.Succeeded++
	}
	if indexed(job) {
		st.CompletedIndexes = formatIndexes(done)
		st.Succeeded = int32(len(done))
	}
	st.Failed += int32(len(u.Failed))
	if perIndex(job) {
		var failed []*corev1.Pod
		for _, uid := range u.Failed {
			if p := byUID[uid]; p != nil {
				failed = append(failed, p)
			}
		}
		markFailedIndexes(job, failed)
	}
	u.Succeeded, u.Failed = nil, nil
	return job, verdict, nil
}

// releasePod removes the tracking finalizer so the pod can be deleted.
func (c *Controller) releasePod(ctx context.Context, p *corev1.Pod) error {
	if !hasTracking(p) {
		return nil
	}
	patch := fmt.Appendf(nil, `{"metadata":{"$deleteFromPrimitiveList/finalizers":[%q]}}`, batchv1.JobTrackingFinalizer)
	_, err := c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove tracking finalizer from pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	return nil
}

func indexed(job *batchv1.Job) bool {
	return job.Spec.CompletionMode != nil && *job.Spec.CompletionMode == batchv1.IndexedCompletion
}

func completions(job *batchv1.Job) int32 {
	if job.Spec.Completions == nil {
		return 0
	}
	return *job.Spec.Completions
}

func parallelism(job *batchv1.Job) int32 {
	if job.Spec.Parallelism == nil {
		return 1
	}
	return *job.Spec.Parallelism
}
