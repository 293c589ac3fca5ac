package garbagecollector

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/util/retry"
)

func (c *Controller) resource(gvr schema.GroupVersionResource, namespace string) metadata.ResourceInterface {
	if namespace == "" {
		return c.metadata.Resource(gvr)
	}
	return c.metadata.Resource(gvr).Namespace(namespace)
}

// getLive reads an object's metadata; found is false when it is gone or
// its name now belongs to an object with another UID.
func (c *Controller) getLive(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string, uid types.UID) (*metav1.PartialObjectMetadata, bool, error) {
	m, err := c.resource(gvr, namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get %s %s/%s: %w", gvr.Resource, namespace, name, err)
	}
	return m, m.UID == uid, nil
}

// editMeta applies edit to the live object's metadata and writes the
// fields it returns as a JSON merge patch that carries the resourceVersion
// read, so a concurrent writer makes it conflict and retry (merge patches
// work for custom resources too, unlike strategic ones).
func (c *Controller) editMeta(ctx context.Context, gvr schema.GroupVersionResource, ref objectRef, edit func(*metav1.PartialObjectMetadata) map[string]any) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		live, found, err := c.getLive(ctx, gvr, ref.Namespace, ref.Name, ref.UID)
		if err != nil || !found {
			return err
		}
		fields := edit(live)
		if fields == nil {
			return nil
		}
		fields["resourceVersion"] = live.ResourceVersion
		data, err := json.Marshal(map[string]any{"metadata": fields})
		if err != nil {
			return err
		}
		_, err = c.resource(gvr, ref.Namespace).Patch(ctx, ref.Name, types.MergePatchType, data, metav1.PatchOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
}

func (c *Controller) removeFinalizer(ctx context.Context, gvr schema.GroupVersionResource, ref objectRef, finalizer string) error {
	err := c.editMeta(ctx, gvr, ref, func(m *metav1.PartialObjectMetadata) map[string]any {
		if !hasString(m.Finalizers, finalizer) {
			return nil
		}
		keep := slices.DeleteFunc(slices.Clone(m.Finalizers), func(f string) bool { return f == finalizer })
		return map[string]any{"finalizers": nonNil(keep)}
	})
	if err != nil {
		return fmt.Errorf("remove finalizer %s from %s %s: %w", finalizer, ref.Kind, key(ref), err)
	}
	return nil
}

func (c *Controller) removeOwnerRefs(ctx context.Context, gvr schema.GroupVersionResource, ref objectRef, owners []types.UID) error {
	err := c.editMeta(ctx, gvr, ref, func(m *metav1.PartialObjectMetadata) map[string]any {
		keep := slices.DeleteFunc(slices.Clone(m.OwnerReferences), func(o metav1.OwnerReference) bool { return slices.Contains(owners, o.UID) })
		if len(keep) == len(m.OwnerReferences) {
			return nil
		}
		return map[string]any{"ownerReferences": nonNil(keep)}
	})
	if err != nil {
		return fmt.Errorf("remove owner references from %s %s: %w", ref.Kind, key(ref), err)
	}
	return nil
}

func (c *Controller) unblockOwnerRefs(ctx context.Context, gvr schema.GroupVersionResource, ref objectRef, owners []types.UID) error {
	err := c.editMeta(ctx, gvr, ref, func(m *metav1.PartialObjectMetadata) map[string]any {
		refs := slices.Clone(m.OwnerReferences)
		changed := false
		for i := range refs {
			if slices.Contains(owners, refs[i].UID) && blocks(refs[i]) {
				refs[i].BlockOwnerDeletion = new(false)
				changed = true
			}
		}
		if !changed {
			return nil
		}
		return map[string]any{"ownerReferences": refs}
	})
	if err != nil {
		return fmt.Errorf("unblock owner references of %s %s: %w", ref.Kind, key(ref), err)
	}
	return nil
}

// nonNil makes an emptied list marshal as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
