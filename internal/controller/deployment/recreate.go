package deployment

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// rolloutRecreate scales every old ReplicaSet to zero, waits until none of
// their pods runs, then creates or scales up the new one.
func (c *Controller) rolloutRecreate(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := c.replicaSetsAndSyncRevision(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	var down []scaleStep
	for _, rs := range activeReplicaSets(oldRSs) {
		down = append(down, scaleStep{rs: rs, replicas: 0})
	}
	if len(down) > 0 {
		updated, err := c.apply(ctx, d, down)
		if err != nil {
			return err
		}
		return c.syncRollout(ctx, d, newRS, updated.all(oldRSs))
	}
	running, err := c.oldPodsRunning(d, newRS, oldRSs)
	if err != nil {
		return err
	}
	if running {
		return c.syncRollout(ctx, d, newRS, oldRSs)
	}
	if newRS == nil {
		if newRS, oldRSs, err = c.replicaSetsAndSyncRevision(ctx, d, rsList, true); err != nil {
			return err
		}
	}
	updated, err := c.apply(ctx, d, []scaleStep{{rs: newRS, replicas: replicasOf(d)}})
	if err != nil {
		return err
	}
	newRS = updated.one(newRS)
	if complete(d, &d.Status) {
		c.cleanup(ctx, d, oldRSs)
	}
	return c.syncRollout(ctx, d, newRS, oldRSs)
}

// oldPodsRunning reports whether an old ReplicaSet still has a pod that
// has not finished, so that old and new pods never run together.
func (c *Controller) oldPodsRunning(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) (bool, error) {
	for _, rs := range oldRSs {
		if rs.Status.Replicas > 0 {
			return true, nil
		}
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return false, fmt.Errorf("deployment %s/%s selector: %w", d.Namespace, d.Name, err)
	}
	pods, err := c.podLister.Pods(d.Namespace).List(sel)
	if err != nil {
		return false, err
	}
	old := map[any]bool{}
	for _, rs := range oldRSs {
		old[rs.UID] = true
	}
	for _, p := range pods {
		ref := metav1.GetControllerOf(p)
		if ref == nil || !old[ref.UID] || (newRS != nil && ref.UID == newRS.UID) {
			continue
		}
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			return true, nil
		}
	}
	return false, nil
}
