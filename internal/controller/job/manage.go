package job

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

// podPlan says which pods to start and stop; it is pure arithmetic over
// the job spec and its pods.
type podPlan struct {
	create  int   // NonIndexed: how many pods to add
	indexes []int // Indexed: which completion indexes to start
	remove  []*corev1.Pod
}

// plan computes the pods to create or delete so that the active pods match
// what parallelism and the remaining completions allow. Dying pods still
// count against parallelism when the job replaces only Failed pods.
func plan(job *batchv1.Job, active, dying []*corev1.Pod) podPlan {
	par := int(parallelism(job))
	if !replaceOnlyFailed(job) {
		dying = nil
	}
	if indexed(job) {
		return planIndexed(job, active, dying, par)
	}
	want := par
	succeeded := int(job.Status.Succeeded)
	switch {
	case job.Spec.Completions != nil:
		want = min(par, max(int(*job.Spec.Completions)-succeeded, 0))
	case succeeded > 0:
		// A work queue job stops adding pods once any pod succeeded.
		want = min(par, len(active))
	}
	if held := len(active) + len(dying); held < want {
		return podPlan{create: want - held}
	}
	if len(active) <= want {
		return podPlan{}
	}
	return podPlan{remove: pickExcess(active, len(active)-want)}
}

func planIndexed(job *batchv1.Job, active, dying []*corev1.Pod, par int) podPlan {
	n := int(completions(job))
	done := parseIndexes(job.Status.CompletedIndexes)
	// A failed index is finished too: it is never retried.
	for ix := range parseIndexes(ptr.Deref(job.Status.FailedIndexes, "")) {
		done[ix] = true
	}
	var p podPlan
	var keep []*corev1.Pod
	seen := map[int]bool{}
	for _, pod := range active {
		i := podIndex(pod)
		// Pods for finished, unknown or duplicate indexes are surplus.
		if i == noIndex || i >= n || done[i] || seen[i] {
			p.remove = append(p.remove, pod)
			continue
		}
		seen[i] = true
		keep = append(keep, pod)
	}
	pending := pendingIndexes(n, done, append(keep, dying...))
	want := min(par, len(keep)+len(dying)+len(pending))
	if len(keep) > want {
		p.remove = append(p.remove, pickExcess(keep, len(keep)-want)...)
		return p
	}
	p.indexes = pending[:max(want-len(keep)-len(dying), 0)]
	return p
}

// pickExcess chooses n pods to stop: not-ready before ready, newest first,
// so the least progressed work is lost.
func pickExcess(pods []*corev1.Pod, n int) []*corev1.Pod {
	sorted := append([]*corev1.Pod(nil), pods...)
	sort.SliceStable(sorted, func(i, j int) bool {
		ri, rj := podstatus.Ready(sorted[i]), podstatus.Ready(sorted[j])
		if ri != rj {
			return !ri
		}
		return sorted[j].CreationTimestamp.Before(&sorted[i].CreationTimestamp)
	})
	return sorted[:n]
}

// newPod builds a pod from the job's template, carrying the tracking
// finalizer and, in Indexed mode, its completion index in an annotation,
// a label, the JOB_COMPLETION_INDEX variable and the hostname.
func newPod(job *batchv1.Job, index, failures int) *corev1.Pod {
	t := job.Spec.Template.DeepCopy()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    job.Name + "-",
			Namespace:       job.Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      []string{batchv1.JobTrackingFinalizer},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, batchv1.SchemeGroupVersion.WithKind("Job"))},
		},
		Spec: t.Spec,
	}
	if index == noIndex {
		return pod
	}
	ix := strconv.Itoa(index)
	pod.GenerateName = job.Name + "-" + ix + "-"
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Annotations[batchv1.JobCompletionIndexAnnotation] = ix
	if perIndex(job) {
		pod.Annotations[batchv1.JobIndexFailureCountAnnotation] = strconv.Itoa(failures)
	}
	pod.Labels[batchv1.JobCompletionIndexAnnotation] = ix
	if pod.Spec.Hostname == "" {
		pod.Spec.Hostname = job.Name + "-" + ix
	}
	env := corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations['" + batchv1.JobCompletionIndexAnnotation + "']"},
	}}
	for i := range pod.Spec.InitContainers {
		pod.Spec.InitContainers[i].Env = append(pod.Spec.InitContainers[i].Env, env)
	}
	for i := range pod.Spec.Containers {
		pod.Spec.Containers[i].Env = append(pod.Spec.Containers[i].Env, env)
	}
	return pod
}

// apply carries out a plan, recording each creation and deletion as
// Kubernetes does.
func (c *Controller) apply(ctx context.Context, key string, job *batchv1.Job, p podPlan, failures map[int]int) error {
	indexes := p.indexes
	if !indexed(job) {
		for i := 0; i < p.create; i++ {
			indexes = append(indexes, noIndex)
		}
	}
	if len(indexes) == 0 && len(p.remove) == 0 {
		return nil
	}
	c.expect.Expect(key, len(indexes), len(p.remove), c.clock.Now())
	var errs []error
	for _, ix := range indexes {
		created, err := c.client.CoreV1().Pods(job.Namespace).Create(ctx, newPod(job, ix, failures[ix]), metav1.CreateOptions{})
		if err != nil {
			c.expect.Observe(key, 1, 0)
			c.recorder.Eventf(job, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
			errs = append(errs, fmt.Errorf("create pod for job %s: %w", key, err))
			continue
		}
		c.recorder.Eventf(job, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", created.Name)
	}
	errs = append(errs, c.deletePods(ctx, key, job, p.remove)...)
	return errors.Join(errs...)
}

// deletePods stops pods the job no longer wants. Their finalizer goes
// first: a pod the controller removes is not a failure of the workload.
func (c *Controller) deletePods(ctx context.Context, key string, job *batchv1.Job, pods []*corev1.Pod) []error {
	var errs []error
	for _, pod := range pods {
		if err := c.releasePod(ctx, pod); err != nil {
			c.expect.Observe(key, 0, 1)
			errs = append(errs, err)
			continue
		}
		err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pod.UID}})
		if apierrors.IsNotFound(err) {
			c.expect.Observe(key, 0, 1)
			continue
		}
		if err != nil {
			c.expect.Observe(key, 0, 1)
			c.recorder.Eventf(job, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
			errs = append(errs, fmt.Errorf("delete pod %s/%s: %w", pod.Namespace, pod.Name, err))
			continue
		}
		c.recorder.Eventf(job, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", pod.Name)
	}
	return errs
}
