package history

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	listersappsv1 "k8s.io/client-go/listers/apps/v1"
)

// Store reads revisions from a lister and writes them through the API.
type Store struct {
	Client kubernetes.Interface
	Lister listersappsv1.ControllerRevisionLister
}

// Owned lists parent's revisions, oldest first.
func (s Store) Owned(parent Parent) ([]*appsv1.ControllerRevision, error) {
	all, err := s.Lister.ControllerRevisions(parent.GetNamespace()).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list revisions of %s/%s: %w", parent.GetNamespace(), parent.GetName(), err)
	}
	var out []*appsv1.ControllerRevision
	for _, r := range all {
		if ref := metav1.GetControllerOf(r); ref != nil && ref.UID == parent.GetUID() {
			out = append(out, r)
		}
	}
	SortByRevision(out)
	return out, nil
}

// Revisions is what a controller needs from history for one sync.
type Revisions struct {
	All             []*appsv1.ControllerRevision
	Current, Update *appsv1.ControllerRevision
	// CollisionCount is the parent's status.collisionCount after any
	// collision this sync had to break.
	CollisionCount int32
}

// Sync finds or makes the revision of template (the update revision) and
// the current one named by currentName, renumbering an older identical
// revision rather than duplicating it, as happens on rollout undo.
func (s Store) Sync(ctx context.Context, parent Parent, kind schema.GroupVersionKind, template *corev1.PodTemplateSpec, currentName string, collisionCount *int32) (*Revisions, error) {
	revs, err := s.Owned(parent)
	if err != nil {
		return nil, err
	}
	out := &Revisions{All: revs}
	if collisionCount != nil {
		out.CollisionCount = *collisionCount
	}
	next := NextNumber(revs)
	want, err := New(parent, kind, template, next, &out.CollisionCount)
	if err != nil {
		return nil, err
	}
	var equal *appsv1.ControllerRevision
	for _, r := range revs {
		if Equal(r, want) {
			equal = r
		}
	}
	switch {
	case equal != nil && equal == revs[len(revs)-1]:
		out.Update = equal
	case equal != nil:
		renumbered := equal.DeepCopy()
		renumbered.Revision = next
		out.Update, err = s.Client.AppsV1().ControllerRevisions(parent.GetNamespace()).Update(ctx, renumbered, metav1.UpdateOptions{})
		if err != nil {
			return nil, fmt.Errorf("renumber revision %s: %w", equal.Name, err)
		}
		out.All = replace(revs, equal, out.Update)
	default:
		out.Update, err = s.create(ctx, parent, kind, template, next, &out.CollisionCount)
		if err != nil {
			return nil, err
		}
		out.All = append(out.All, out.Update)
	}
	SortByRevision(out.All)
	out.Current = out.Update
	for _, r := range out.All {
		if r.Name == currentName {
			out.Current = r
		}
	}
	return out, nil
}

// create makes the revision, bumping collisionCount while a different
// template already holds the name.
func (s Store) create(ctx context.Context, parent Parent, kind schema.GroupVersionKind, template *corev1.PodTemplateSpec, number int64, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	for {
		rev, err := New(parent, kind, template, number, collisionCount)
		if err != nil {
			return nil, err
		}
		created, err := s.Client.AppsV1().ControllerRevisions(parent.GetNamespace()).Create(ctx, rev, metav1.CreateOptions{})
		if err == nil {
			return created, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create revision %s: %w", rev.Name, err)
		}
		existing, err := s.Client.AppsV1().ControllerRevisions(parent.GetNamespace()).Get(ctx, rev.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("get colliding revision %s: %w", rev.Name, err)
		}
		if ref := metav1.GetControllerOf(existing); ref != nil && ref.UID == parent.GetUID() && Equal(existing, rev) {
			return existing, nil
		}
		*collisionCount++
	}
}

// Truncate deletes the oldest revisions beyond limit that are neither
// current, update, nor used by a live pod (named in inUse).
func (s Store) Truncate(ctx context.Context, r *Revisions, limit int32, inUse map[string]bool) error {
	var spare []*appsv1.ControllerRevision
	for _, rev := range r.All {
		if rev.Name != r.Current.Name && rev.Name != r.Update.Name && !inUse[rev.Name] {
			spare = append(spare, rev)
		}
	}
	for i := 0; i < len(spare)-int(limit); i++ {
		err := s.Client.AppsV1().ControllerRevisions(spare[i].Namespace).Delete(ctx, spare[i].Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete revision %s: %w", spare[i].Name, err)
		}
	}
	return nil
}

func replace(revs []*appsv1.ControllerRevision, old, cur *appsv1.ControllerRevision) []*appsv1.ControllerRevision {
	out := make([]*appsv1.ControllerRevision, 0, len(revs))
	for _, r := range revs {
		if r == old {
			r = cur
		}
		out = append(out, r)
	}
	return out
}
