package replicaset

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// sync brings one ReplicaSet's pods to spec.replicas and writes its status.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.rsLister.ReplicaSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expectations.forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	rs := cached.DeepCopy()
	selector, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		// The API rejects invalid selectors; one that slipped through
		// cannot be fixed by retrying.
		c.recorder.Eventf(rs, corev1.EventTypeWarning, "InvalidSelector", "invalid selector: %v", err)
		return nil
	}
	// Check expectations before listing, so pods the informer adds in
	// between are seen rather than counted twice.
	needsSync := c.expectations.satisfied(key)

	candidates, err := c.candidatePods(ns, rs.UID)
	if err != nil {
		return err
	}
	pods, err := c.claimPods(ctx, rs, selector, candidates)
	if err != nil {
		return err
	}
	active := activePods(pods)

	var manageErr error
	if needsSync && rs.DeletionTimestamp == nil {
		manageErr = c.manageReplicas(ctx, active, rs)
	}
	now := c.clock.Now()
	status, requeue := calculateStatus(rs, active, countTerminating(pods), manageErr, now)
	if err := c.updateStatus(ctx, rs, status); err != nil {
		return err
	}
	if manageErr != nil {
		return manageErr
	}
	if requeue > 0 {
		c.queue.AddAfter(key, requeue)
	}
	return nil
}

// candidatePods are the pods this ReplicaSet controls plus the orphans of
// its namespace it might adopt.
func (c *Controller) candidatePods(namespace string, uid any) ([]*corev1.Pod, error) {
	var out []*corev1.Pod
	for _, k := range []string{fmt.Sprint(uid), orphanIndexKey(namespace)} {
		objs, err := c.podIndex.ByIndex(ownerIndex, k)
		if err != nil {
			return nil, fmt.Errorf("list pods of %s: %w", namespace, err)
		}
		for _, o := range objs {
			if p, ok := o.(*corev1.Pod); ok && p.Namespace == namespace {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// countTerminating counts pods being deleted that have not finished, which
// status reports so that rollouts can account for pods still shutting down.
func countTerminating(pods []*corev1.Pod) int32 {
	var n int32
	for _, p := range pods {
		if p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			n++
		}
	}
	return n
}

// activePods drops pods that will not run again (Succeeded, Failed) and
// pods being deleted, which their replacements may already stand in for.
func activePods(pods []*corev1.Pod) []*corev1.Pod {
	out := make([]*corev1.Pod, 0, len(pods))
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		out = append(out, p)
	}
	return out
}
