package deployment

import (
	"context"
	"fmt"
	"log/slog"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// updatedSet holds the ReplicaSets this sync wrote, by name, so status is
// computed from what was written rather than from the stale cache.
type updatedSet map[string]*appsv1.ReplicaSet

func (u updatedSet) one(rs *appsv1.ReplicaSet) *appsv1.ReplicaSet {
	if rs == nil {
		return nil
	}
	if n, ok := u[rs.Name]; ok {
		return n
	}
	return rs
}

func (u updatedSet) all(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	out := make([]*appsv1.ReplicaSet, len(rss))
	for i, rs := range rss {
		out[i] = u.one(rs)
	}
	return out
}

// apply carries out scale steps in order, stopping at the first error (the
// deployment is requeued and plans again from fresh state). It reports the
// ReplicaSets written; a step that only refreshed annotations counts too.
func (c *Controller) apply(ctx context.Context, d *appsv1.Deployment, steps []scaleStep) (updatedSet, error) {
	out := updatedSet{}
	for _, s := range steps {
		rs, err := c.scaleReplicaSet(ctx, d, s.rs, s.replicas)
		if err != nil {
			return out, err
		}
		out[rs.Name] = rs
	}
	return out, nil
}

// scaled reports whether any step changed a size.
func scaled(steps []scaleStep) bool {
	for _, s := range steps {
		if rsReplicas(s.rs) != s.replicas {
			return true
		}
	}
	return false
}

// scaleReplicaSet sets rs's size and the desired/max replicas annotations
// proportional scaling reads, recording a ScalingReplicaSet event when the
// size changed.
func (c *Controller) scaleReplicaSet(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, size int32) (*appsv1.ReplicaSet, error) {
	from := rsReplicas(rs)
	cp := rs.DeepCopy()
	annotated := setReplicasAnnotations(cp, replicasOf(d), replicasOf(d)+maxSurge(d))
	if from == size && !annotated {
		return rs, nil
	}
	cp.Spec.Replicas = &size
	api := c.client.AppsV1().ReplicaSets(cp.Namespace)
	updated, err := api.Update(ctx, cp, metav1.UpdateOptions{})
	for attempt := 0; apierrors.IsConflict(err) && attempt < 3; attempt++ {
		// The ReplicaSet controller writes status all through a rollout,
		// so the cached copy is often behind. The plan holds as long as
		// the spec it was made from is unchanged.
		fresh, gerr := api.Get(ctx, rs.Name, metav1.GetOptions{})
		if gerr != nil || fresh.UID != rs.UID || fresh.Generation != rs.Generation || rsReplicas(fresh) != from {
			break
		}
		cp = fresh.DeepCopy()
		setReplicasAnnotations(cp, replicasOf(d), replicasOf(d)+maxSurge(d))
		cp.Spec.Replicas = &size
		updated, err = api.Update(ctx, cp, metav1.UpdateOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("scale replica set %s/%s to %d: %w", rs.Namespace, rs.Name, size, err)
	}
	if from != size {
		op := "up"
		if size < from {
			op = "down"
		}
		c.recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", op, rs.Name, from, size)
	}
	return updated, nil
}

// cleanup deletes the oldest old ReplicaSets beyond revisionHistoryLimit,
// only those fully scaled down and observed so; failures are left for the
// next sync since history is not urgent.
func (c *Controller) cleanup(ctx context.Context, d *appsv1.Deployment, oldRSs []*appsv1.ReplicaSet) {
	if d.Spec.RevisionHistoryLimit == nil {
		return
	}
	var alive []*appsv1.ReplicaSet
	for _, rs := range oldRSs {
		if rs != nil && rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	diff := len(alive) - int(*d.Spec.RevisionHistoryLimit)
	if diff <= 0 {
		return
	}
	sortByRevision(alive)
	for _, rs := range alive[:diff] {
		if rs.Status.Replicas != 0 || rsReplicas(rs) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		err := c.client.AppsV1().ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &rs.UID},
		})
		if err != nil && !apierrors.IsNotFound(err) {
			slog.Info("Could not delete old replica set", "deployment", d.Namespace+"/"+d.Name, "replicaset", rs.Name, "err", err)
		}
	}
}
