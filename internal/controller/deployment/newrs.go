package deployment

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// findNewReplicaSet returns the oldest ReplicaSet whose template is d's:
// after a rollback it is an old one, brought back rather than duplicated.
func findNewReplicaSet(d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet) {
	sorted := byCreation(rsList)
	var newRS *appsv1.ReplicaSet
	var olds []*appsv1.ReplicaSet
	for _, rs := range sorted {
		if newRS == nil && equalIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			newRS = rs
			continue
		}
		olds = append(olds, rs)
	}
	return newRS, olds
}

// replicaSetsAndSyncRevision finds d's new and old ReplicaSets, gives the
// new one the next revision (creating it when create is set) and copies
// that revision to d.
func (c *Controller) replicaSetsAndSyncRevision(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet, error) {
	existing, olds := findNewReplicaSet(d, rsList)
	newRevision := strconv.FormatInt(maxRevision(olds)+1, 10)
	if existing != nil {
		rs := existing.DeepCopy()
		changed := setNewReplicaSetAnnotations(d, rs, newRevision, true)
		if changed || rs.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
			rs.Spec.MinReadySeconds = d.Spec.MinReadySeconds
			updated, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Update(ctx, rs, metav1.UpdateOptions{})
			if err != nil {
				return nil, nil, fmt.Errorf("update revision of replica set %s/%s: %w", rs.Namespace, rs.Name, err)
			}
			existing = updated
		}
		if err := c.syncRevision(ctx, d, existing.Annotations[revisionAnnotation]); err != nil {
			return nil, nil, err
		}
		if hasProgressDeadline(d) && getCondition(&d.Status, appsv1.DeploymentProgressing) == nil {
			msg := fmt.Sprintf("Found new replica set %q", existing.Name)
			setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonFoundNewRS, msg, c.clock.Now()))
			if err := c.writeStatus(ctx, d); err != nil {
				return nil, nil, err
			}
		}
		return existing, olds, nil
	}
	if !create {
		return nil, olds, nil
	}
	rs, err := c.createNewReplicaSet(ctx, d, olds, newRevision)
	return rs, olds, err
}

func (c *Controller) createNewReplicaSet(ctx context.Context, d *appsv1.Deployment, olds []*appsv1.ReplicaSet, newRevision string) (*appsv1.ReplicaSet, error) {
	want := newReplicaSetFor(d, 0, newRevision)
	all := append(append([]*appsv1.ReplicaSet{}, olds...), want)
	size := newRSReplicas(d, all, want)
	want.Spec.Replicas = &size
	created, err := c.client.AppsV1().ReplicaSets(d.Namespace).Create(ctx, want, metav1.CreateOptions{})
	alreadyExisted := false
	switch {
	case apierrors.IsAlreadyExists(err):
		alreadyExisted = true
		found, gerr := c.rsLister.ReplicaSets(d.Namespace).Get(want.Name)
		if apierrors.IsNotFound(gerr) {
			found, gerr = c.client.AppsV1().ReplicaSets(d.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
		}
		if gerr != nil {
			return nil, fmt.Errorf("get existing replica set %s/%s: %w", d.Namespace, want.Name, gerr)
		}
		if ref := metav1.GetControllerOf(found); ref != nil && ref.UID == d.UID && equalIgnoreHash(&found.Spec.Template, &d.Spec.Template) {
			// Our own create whose watch event has not arrived yet.
			created, err = found, nil
			break
		}
		// Another template (or owner) holds this name: bump
		// collisionCount so the next sync hashes to a fresh name.
		n := int32(0)
		if d.Status.CollisionCount != nil {
			n = *d.Status.CollisionCount
		}
		n++
		d.Status.CollisionCount = &n
		if werr := c.writeStatus(ctx, d); werr != nil {
			return nil, werr
		}
		slog.Info("Hash collision for deployment, bumping collisionCount", "deployment", d.Namespace+"/"+d.Name, "collisionCount", n)
		return nil, fmt.Errorf("replica set %s/%s exists with another template: %w", d.Namespace, want.Name, err)
	case err != nil:
		msg := fmt.Sprintf("Failed to create new replica set %q: %v", want.Name, err)
		if hasProgressDeadline(d) {
			setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, reasonFailedRSCreate, msg, c.clock.Now()))
			// The create error is the one worth returning.
			_ = c.writeStatus(ctx, d)
		}
		c.recorder.Event(d, corev1.EventTypeWarning, reasonFailedRSCreate, msg)
		return nil, fmt.Errorf("create replica set for deployment %s/%s: %w", d.Namespace, d.Name, err)
	}
	if !alreadyExisted && size > 0 {
		c.recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", created.Name, size)
	}
	if err := c.syncRevision(ctx, d, newRevision); err != nil {
		return nil, err
	}
	if !alreadyExisted && hasProgressDeadline(d) {
		msg := fmt.Sprintf("Created new replica set %q", created.Name)
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonNewRSCreated, msg, c.clock.Now()))
		if err := c.writeStatus(ctx, d); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// syncRevision writes d's revision annotation. It is metadata, which a
// status write does not carry, so it is a plain update.
func (c *Controller) syncRevision(ctx context.Context, d *appsv1.Deployment, rev string) error {
	if !setDeploymentRevision(d, rev) {
		return nil
	}
	status := d.Status
	updated, err := c.client.AppsV1().Deployments(d.Namespace).Update(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("update revision of deployment %s/%s: %w", d.Namespace, d.Name, err)
	}
	*d = *updated
	d.Status = status
	return nil
}
