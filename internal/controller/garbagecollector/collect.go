package garbagecollector

import (
	"context"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// attemptToDelete looks at one object: a virtual owner is checked for
// existence, an owner deleting in the foreground is released once nothing
// blocks it, and a dependent is collected or trimmed by its owners' state.
func (c *Controller) attemptToDelete(ctx context.Context, uid types.UID) error {
	v, ok := c.view(uid)
	switch {
	case !ok:
		return nil
	case v.virtual:
		return c.verifyOwner(ctx, v)
	case v.foreground:
		return c.finishForeground(ctx, v)
	case v.deleting:
		// Someone else's finalizers hold it; nothing for us to do.
		return nil
	}
	// The informer's copy is usually current, and the delete's
	// resourceVersion precondition catches it when not: only then is the
	// object read live. That halves the requests when thousands of
	// dependents go at once.
	err := c.collect(ctx, v, v.observed)
	if !apierrors.IsConflict(err) {
		return err
	}
	latest, found, err := c.getLive(ctx, v.gvr, v.ref.Namespace, v.ref.Name, v.ref.UID)
	if err != nil || !found {
		// Gone or replaced: the informer will bring the news.
		return err
	}
	return c.collect(ctx, v, latest)
}

// collect decides on a dependent from its metadata m and its owners' live
// state, then deletes it or trims its references.
func (c *Controller) collect(ctx context.Context, v view, m *metav1.PartialObjectMetadata) error {
	if m.DeletionTimestamp != nil || len(m.OwnerReferences) == 0 {
		return nil
	}
	owners := make([]ownerStatus, 0, len(m.OwnerReferences))
	for _, ref := range m.OwnerReferences {
		st, err := c.ownerState(ctx, v.ref, ref)
		if err != nil {
			return err
		}
		owners = append(owners, ownerStatus{uid: ref.UID, state: st})
	}
	vd := decide(owners, v, m.Finalizers)
	if len(vd.removeRefs) > 0 {
		slog.Info("Removing references to owners that are gone", "object", key(v.ref), "kind", v.ref.Kind, "owners", vd.removeRefs)
		return c.removeOwnerRefs(ctx, v.gvr, v.ref, vd.removeRefs)
	}
	if !vd.delete {
		return nil
	}
	pre := &metav1.Preconditions{UID: &v.ref.UID, ResourceVersion: &m.ResourceVersion}
	if len(vd.unblockRefs) > 0 {
		if err := c.unblockOwnerRefs(ctx, v.gvr, v.ref, vd.unblockRefs); err != nil {
			return err
		}
		pre.ResourceVersion = nil
	}
	slog.Info("Deleting object whose owners are gone", "object", key(v.ref), "kind", v.ref.Kind, "propagationPolicy", vd.policy)
	err := c.resource(v.gvr, v.ref.Namespace).Delete(ctx, v.ref.Name, metav1.DeleteOptions{Preconditions: pre, PropagationPolicy: &vd.policy})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete %s %s: %w", v.ref.Kind, key(v.ref), err)
	}
	return nil
}

// verifyOwner reads an owner no informer has shown; if it is gone, its
// dependents are queued for collection.
func (c *Controller) verifyOwner(ctx context.Context, v view) error {
	ref := metav1.OwnerReference{APIVersion: v.ref.APIVersion, Kind: v.ref.Kind, Name: v.ref.Name, UID: v.ref.UID}
	dep := v.ref
	if len(v.dependents) > 0 {
		dep = v.dependents[0].ref
	}
	st, err := c.ownerState(ctx, dep, ref)
	if err != nil || st != ownerDangling {
		return err
	}
	c.mu.Lock()
	acts := c.graph.ownerAbsent(v.ref.UID)
	c.mu.Unlock()
	c.enqueue(acts)
	return nil
}

// finishForeground removes the foregroundDeletion finalizer once no
// dependent with blockOwnerDeletion remains; until then it makes sure the
// blocking dependents are being deleted.
func (c *Controller) finishForeground(ctx context.Context, v view) error {
	blocking := v.blocking()
	if len(blocking) == 0 {
		slog.Info("Foreground deletion done", "object", key(v.ref), "kind", v.ref.Kind)
		return c.removeFinalizer(ctx, v.gvr, v.ref, metav1.FinalizerDeleteDependents)
	}
	for _, d := range blocking {
		if !d.deleting {
			c.deleteQueue.Add(d.ref.UID)
		}
	}
	return nil
}

// attemptToOrphan strips an owner's references from its dependents, then
// removes its orphan finalizer so the API server can remove it.
func (c *Controller) attemptToOrphan(ctx context.Context, uid types.UID) error {
	v, ok := c.view(uid)
	if !ok || !v.orphan {
		return nil
	}
	for _, d := range v.dependents {
		if err := c.removeOwnerRefs(ctx, d.gvr, d.ref, []types.UID{uid}); err != nil {
			return fmt.Errorf("orphan dependents of %s %s: %w", v.ref.Kind, key(v.ref), err)
		}
	}
	slog.Info("Orphaned dependents", "object", key(v.ref), "kind", v.ref.Kind, "dependents", len(v.dependents))
	return c.removeFinalizer(ctx, v.gvr, v.ref, metav1.FinalizerOrphanDependents)
}

// absentKey names an owner confirmed gone. The coordinates matter, not just
// the UID: the same reference is absent from a namespace it does not live in.
type absentKey struct {
	resource        schema.GroupResource
	namespace, name string
	uid             types.UID
}

// ownerState reads an owner live (or recalls that it is gone). A
// namespaced owner is looked for in its dependent's namespace.
func (c *Controller) ownerState(ctx context.Context, dep objectRef, ref metav1.OwnerReference) (ownerState, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return ownerDangling, nil
	}
	mapping, err := c.mapper.RESTMapping(gv.WithKind(ref.Kind).GroupKind(), gv.Version)
	if err != nil {
		// Possibly a kind whose CRD is not yet discovered: retry later
		// rather than collect on a guess.
		return 0, fmt.Errorf("resolve owner kind %s %s: %w", ref.APIVersion, ref.Kind, err)
	}
	ns := ""
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		if dep.Namespace == "" {
			// A cluster-scoped object cannot have a namespaced owner; the
			// reference can never resolve.
			c.recorder.Eventf(eventObject(dep), corev1.EventTypeWarning, "OwnerRefInvalidNamespace",
				"ownerRef [%s/%s, namespace: %s, name: %s, uid: %s] does not exist in namespace %q",
				ref.APIVersion, ref.Kind, dep.Namespace, ref.Name, ref.UID, dep.Namespace)
			return ownerDangling, nil
		}
		ns = dep.Namespace
	}
	k := absentKey{resource: mapping.Resource.GroupResource(), namespace: ns, name: ref.Name, uid: ref.UID}
	if _, gone := c.absent.Get(k); gone {
		return ownerDangling, nil
	}
	owner, found, err := c.getLive(ctx, mapping.Resource, ns, ref.Name, ref.UID)
	switch {
	case err != nil:
		return 0, err
	case !found:
		c.absent.Add(k, struct{}{})
		return ownerDangling, nil
	case owner.DeletionTimestamp != nil && hasString(owner.Finalizers, metav1.FinalizerDeleteDependents):
		return ownerWaiting, nil
	default:
		return ownerSolid, nil
	}
}

func eventObject(ref objectRef) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: ref.APIVersion, Kind: ref.Kind},
		ObjectMeta: metav1.ObjectMeta{Namespace: ref.Namespace, Name: ref.Name, UID: ref.UID},
	}
}

func key(ref objectRef) string {
	if ref.Namespace == "" {
		return ref.Name
	}
	return ref.Namespace + "/" + ref.Name
}
