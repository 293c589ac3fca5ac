package deployment

import (
	"context"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// claimReplicaSets returns the ReplicaSets d controls after adopting
// orphans its selector matches and releasing owned ones it no longer does.
func (c *Controller) claimReplicaSets(ctx context.Context, d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("deployment %s/%s selector: %w", d.Namespace, d.Name, err)
	}
	all, err := c.rsLister.ReplicaSets(d.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var claimed []*appsv1.ReplicaSet
	var adoptable *bool
	for _, rs := range all {
		ref := metav1.GetControllerOf(rs)
		matches := sel.Matches(labels.Set(rs.Labels))
		if ref != nil {
			if ref.UID != d.UID {
				continue
			}
			if matches {
				claimed = append(claimed, rs)
			} else if d.DeletionTimestamp == nil {
				if err := c.patchOwner(ctx, rs, []map[string]any{{"$patch": "delete", "uid": d.UID}}); err != nil {
					return nil, fmt.Errorf("release replica set %s/%s: %w", rs.Namespace, rs.Name, err)
				}
			}
			continue
		}
		if !matches || d.DeletionTimestamp != nil || rs.DeletionTimestamp != nil {
			continue
		}
		if adoptable == nil {
			ok, err := c.canAdopt(ctx, d)
			if err != nil {
				return nil, err
			}
			adoptable = &ok
		}
		if !*adoptable {
			continue
		}
		err := c.patchOwner(ctx, rs, []map[string]any{{
			"apiVersion": controllerKind.GroupVersion().String(), "kind": controllerKind.Kind,
			"name": d.Name, "uid": d.UID, "controller": true, "blockOwnerDeletion": true,
		}})
		if err != nil {
			return nil, fmt.Errorf("adopt replica set %s/%s: %w", rs.Namespace, rs.Name, err)
		}
		claimed = append(claimed, rs)
	}
	return claimed, nil
}

// canAdopt rechecks d against the API server, since adopting for a
// deployment that is gone or going would only orphan again.
func (c *Controller) canAdopt(ctx context.Context, d *appsv1.Deployment) (bool, error) {
	fresh, err := c.client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("recheck deployment %s/%s before adoption: %w", d.Namespace, d.Name, err)
	}
	return fresh.UID == d.UID && fresh.DeletionTimestamp == nil, nil
}

func (c *Controller) patchOwner(ctx context.Context, rs *appsv1.ReplicaSet, refs []map[string]any) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": refs, "uid": rs.UID}})
	if err != nil {
		return err
	}
	_, err = c.client.AppsV1().ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
