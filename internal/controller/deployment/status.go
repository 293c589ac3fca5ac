package deployment

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// syncStatus writes counts and Available only (scaling, paused, deleting).
func (c *Controller) syncStatus(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) error {
	all := append(append([]*appsv1.ReplicaSet{}, oldRSs...), newRS)
	s := calculateStatus(d, all, newRS, c.clock.Now())
	if equality.Semantic.DeepEqual(d.Status, s) {
		return nil
	}
	d.Status = s
	return c.writeStatus(ctx, d)
}

// syncRollout writes the full rollout status, Progressing included, and
// schedules a look at the progress deadline when nothing else will.
func (c *Controller) syncRollout(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) error {
	all := append(append([]*appsv1.ReplicaSet{}, oldRSs...), newRS)
	now := c.clock.Now()
	s := rolloutStatus(d, all, newRS, now)
	if !equality.Semantic.DeepEqual(d.Status, s) {
		d.Status = s
		return c.writeStatus(ctx, d)
	}
	if after, ok := stuckRequeue(d, &s, now); ok {
		key, err := cache.MetaNamespaceKeyFunc(d)
		if err == nil {
			c.queue.AddAfter(key, after)
		}
	}
	return nil
}

// writeStatus writes d.Status and keeps d current with the result. A
// conflict is returned: the requeued sync recomputes status from fresh
// objects, so no update is lost.
func (c *Controller) writeStatus(ctx context.Context, d *appsv1.Deployment) error {
	updated, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("update status of deployment %s/%s: %w", d.Namespace, d.Name, err)
	}
	*d = *updated
	return nil
}
