package deployment

import (
	"context"
	"log/slog"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// sync reconciles one Deployment: claim its ReplicaSets, then either only
// report (being deleted), only scale (paused, or spec.replicas changed), or
// take the next step of its strategy; status is written last.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.dLister.Deployments(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	d := cached.DeepCopy()
	log := slog.With("deployment", key)

	if equality.Semantic.DeepEqual(d.Spec.Selector, &metav1.LabelSelector{}) {
		// Selecting every pod of the namespace would adopt them all; the
		// user must fix the spec, so no retry.
		c.recorder.Eventf(d, corev1.EventTypeWarning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
		if d.Status.ObservedGeneration < d.Generation {
			d.Status.ObservedGeneration = d.Generation
			return c.writeStatus(ctx, d)
		}
		return nil
	}
	if _, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil || d.Spec.Selector == nil {
		// The API validates selectors; one that got past it cannot be
		// fixed by retrying.
		c.recorder.Eventf(d, corev1.EventTypeWarning, "InvalidSelector", "invalid selector: %v", err)
		return nil
	}
	rsList, err := c.claimReplicaSets(ctx, d)
	if err != nil {
		return err
	}
	if d.DeletionTimestamp != nil {
		newRS, oldRSs, err := c.replicaSetsAndSyncRevision(ctx, d, rsList, false)
		if err != nil {
			return err
		}
		return c.syncStatus(ctx, d, newRS, oldRSs)
	}
	if err := c.checkPaused(ctx, d); err != nil {
		return err
	}
	if d.Spec.Paused || isScalingEvent(d, rsList) {
		log.Debug("Scaling deployment", "paused", d.Spec.Paused)
		return c.scaleOnly(ctx, d, rsList)
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return c.rolloutRecreate(ctx, d, rsList)
	}
	return c.rolloutRolling(ctx, d, rsList)
}

// checkPaused records pause and resume in the Progressing condition, so
// that the time spent paused does not count against the progress deadline.
func (c *Controller) checkPaused(ctx context.Context, d *appsv1.Deployment) error {
	if !hasProgressDeadline(d) {
		return nil
	}
	cond := getCondition(&d.Status, appsv1.DeploymentProgressing)
	if cond != nil && cond.Reason == reasonTimedOut {
		// A reported timeout stays until new progress clears it.
		return nil
	}
	pausedNoted := cond != nil && cond.Reason == reasonPaused
	now := c.clock.Now()
	switch {
	case d.Spec.Paused && !pausedNoted:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, reasonPaused, messagePaused, now))
	case !d.Spec.Paused && pausedNoted:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, reasonResumed, messageResumed, now))
	default:
		return nil
	}
	return c.writeStatus(ctx, d)
}

// scaleOnly resizes ReplicaSets without advancing the rollout.
func (c *Controller) scaleOnly(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := c.replicaSetsAndSyncRevision(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	updated, err := c.apply(ctx, d, planScale(d, newRS, oldRSs))
	if err != nil {
		return err
	}
	newRS, oldRSs = updated.one(newRS), updated.all(oldRSs)
	if d.Spec.Paused {
		c.cleanup(ctx, d, oldRSs)
	}
	return c.syncStatus(ctx, d, newRS, oldRSs)
}
