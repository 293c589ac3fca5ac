package deployment

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
)

// rolloutRolling takes one step of a rolling update: grow the new
// ReplicaSet within maxSurge, else shrink old ones within maxUnavailable;
// once complete, trim history.
func (c *Controller) rolloutRolling(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := c.replicaSetsAndSyncRevision(ctx, d, rsList, true)
	if err != nil {
		return err
	}
	all := append(append([]*appsv1.ReplicaSet{}, oldRSs...), newRS)

	if step, ok := planNewScale(d, all, newRS); ok {
		updated, err := c.apply(ctx, d, []scaleStep{step})
		if err != nil {
			return err
		}
		if scaled([]scaleStep{step}) {
			return c.syncRollout(ctx, d, updated.one(newRS), oldRSs)
		}
		newRS = updated.one(newRS)
	}
	if steps := planOldScaleDown(d, oldRSs, newRS); len(steps) > 0 {
		updated, err := c.apply(ctx, d, steps)
		if err != nil {
			return err
		}
		return c.syncRollout(ctx, d, newRS, updated.all(oldRSs))
	}
	if s := calculateStatus(d, all, newRS, c.clock.Now()); complete(d, &s) {
		c.cleanup(ctx, d, oldRSs)
	}
	return c.syncRollout(ctx, d, newRS, oldRSs)
}

// planNewScale is the new ReplicaSet's next size: down to spec.replicas
// if above it, else as far up as surge allows.
func planNewScale(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (scaleStep, bool) {
	if newRS == nil || rsReplicas(newRS) == replicasOf(d) {
		return scaleStep{}, false
	}
	if rsReplicas(newRS) > replicasOf(d) {
		return scaleStep{rs: newRS, replicas: replicasOf(d)}, true
	}
	return scaleStep{rs: newRS, replicas: newRSReplicas(d, all, newRS)}, true
}
