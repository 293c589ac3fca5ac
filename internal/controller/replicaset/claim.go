package replicaset

import (
	"context"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// claimPods returns the pods rs controls after adopting matching orphans
// and releasing owned pods whose labels no longer match.
func (c *Controller) claimPods(ctx context.Context, rs *appsv1.ReplicaSet, sel labels.Selector, candidates []*corev1.Pod) ([]*corev1.Pod, error) {
	var claimed []*corev1.Pod
	var adoptable *bool
	for _, pod := range candidates {
		ref := metav1.GetControllerOf(pod)
		if ref != nil {
			if ref.UID != rs.UID {
				continue
			}
			if sel.Matches(labels.Set(pod.Labels)) {
				claimed = append(claimed, pod)
				continue
			}
			// While the ReplicaSet is being deleted its pods stay with it,
			// so the garbage collector finds them.
			if rs.DeletionTimestamp != nil {
				continue
			}
			if err := c.release(ctx, rs, pod); err != nil {
				return nil, err
			}
			continue
		}
		if rs.DeletionTimestamp != nil || pod.DeletionTimestamp != nil || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		if adoptable == nil {
			ok, err := c.canAdopt(ctx, rs)
			if err != nil {
				return nil, err
			}
			adoptable = &ok
		}
		if !*adoptable {
			continue
		}
		ok, err := c.adopt(ctx, rs, pod)
		if err != nil {
			return nil, err
		}
		if ok {
			claimed = append(claimed, pod)
		}
	}
	return claimed, nil
}

// canAdopt rechecks the ReplicaSet against the API server: the cached copy
// may be a deleted ReplicaSet or one already being deleted, and adopting
// for it would orphan the pods again at once.
func (c *Controller) canAdopt(ctx context.Context, rs *appsv1.ReplicaSet) (bool, error) {
	fresh, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("recheck replica set %s/%s before adoption: %w", rs.Namespace, rs.Name, err)
	}
	return fresh.UID == rs.UID && fresh.DeletionTimestamp == nil, nil
}

type ownerPatch struct {
	Metadata ownerPatchMeta `json:"metadata"`
}

type ownerPatchMeta struct {
	OwnerReferences []map[string]any `json:"ownerReferences"`
	UID             types.UID        `json:"uid"`
}

func (c *Controller) adopt(ctx context.Context, rs *appsv1.ReplicaSet, pod *corev1.Pod) (bool, error) {
	patch, err := json.Marshal(ownerPatch{Metadata: ownerPatchMeta{
		OwnerReferences: []map[string]any{{
			"apiVersion": controllerKind.GroupVersion().String(), "kind": controllerKind.Kind,
			"name": rs.Name, "uid": rs.UID, "controller": true, "blockOwnerDeletion": true,
		}},
		UID: pod.UID,
	}})
	if err != nil {
		return false, err
	}
	_, err = c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsInvalid(err) || apierrors.IsConflict(err) {
		// Gone, or replaced by a pod of the same name: nothing to adopt.
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("adopt pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return true, nil
}

func (c *Controller) release(ctx context.Context, rs *appsv1.ReplicaSet, pod *corev1.Pod) error {
	patch, err := json.Marshal(ownerPatch{Metadata: ownerPatchMeta{
		OwnerReferences: []map[string]any{{"$patch": "delete", "uid": rs.UID}},
		UID:             pod.UID,
	}})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsInvalid(err) || apierrors.IsConflict(err) {
		return nil
	}
	return fmt.Errorf("release pod %s/%s: %w", pod.Namespace, pod.Name, err)
}
