package garbagecollector

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// view is a worker's copy of one graph node, usable without the lock.
type view struct {
	ref                                   objectRef
	gvr                                   schema.GroupVersionResource
	virtual, deleting, foreground, orphan bool
	dependents                            []dependentView
	// observed is the object's metadata as the informer last showed it.
	observed *metav1.PartialObjectMetadata
}

// dependentView is one dependent as seen from its owner.
type dependentView struct {
	ref        objectRef
	gvr        schema.GroupVersionResource
	deleting   bool
	foreground bool
	// blocking: its reference to the owner has blockOwnerDeletion set.
	blocking bool
}

// view copies the node with this UID.
func (g *graph) view(uid types.UID) (view, bool) {
	n := g.nodes[uid]
	if n == nil {
		return view{}, false
	}
	v := view{ref: n.ref, gvr: n.gvr, virtual: n.virtual, deleting: n.deleting, foreground: n.foreground, orphan: n.orphan,
		observed: &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
			Namespace: n.ref.Namespace, Name: n.ref.Name, UID: n.ref.UID, ResourceVersion: n.resourceVersion,
			OwnerReferences: slices.Clone(n.owners), Finalizers: slices.Clone(n.finalizers)}}}
	if n.deleting {
		// Only whether it is set matters to a worker.
		v.observed.DeletionTimestamp = &metav1.Time{}
	}
	for _, d := range n.dependents {
		dv := dependentView{ref: d.ref, gvr: d.gvr, deleting: d.deleting, foreground: d.foreground}
		for _, o := range d.owners {
			if o.UID == uid && blocks(o) {
				dv.blocking = true
			}
		}
		v.dependents = append(v.dependents, dv)
	}
	return v, true
}

// blocking lists the dependents a foreground deletion of v waits for.
func (v view) blocking() []dependentView {
	var out []dependentView
	for _, d := range v.dependents {
		if d.blocking {
			out = append(out, d)
		}
	}
	return out
}

type ownerState int

const (
	// ownerSolid exists and is not waiting for its dependents.
	ownerSolid ownerState = iota
	// ownerDangling is gone (not found, or a different UID under its name).
	ownerDangling
	// ownerWaiting is being deleted in the foreground.
	ownerWaiting
)

// ownerStatus is an ownerReference with what a live read found.
type ownerStatus struct {
	uid   types.UID
	state ownerState
}

// verdict is what to do with a dependent.
type verdict struct {
	// removeRefs: drop these ownerReferences (the object stays).
	removeRefs []types.UID
	// unblockRefs: clear blockOwnerDeletion on these before deleting, so
	// that two foreground deletions cannot wait on each other.
	unblockRefs []types.UID
	delete      bool
	policy      metav1.DeletionPropagation
}

// decide says what becomes of a dependent, given its owners' live states,
// its graph node and its current finalizers. An object with any solid owner
// stays and only sheds references to owners that are gone or going; one
// whose owners are all going in the foreground and that has dependents of
// its own is deleted in the foreground too, so the wait propagates down;
// anything else whose owners are all gone is deleted with the policy its
// own finalizers ask for, or in the background.
func decide(owners []ownerStatus, v view, finalizers []string) verdict {
	if len(owners) == 0 {
		return verdict{}
	}
	var solid int
	var going, waiting []types.UID
	for _, o := range owners {
		switch o.state {
		case ownerSolid:
			solid++
		case ownerDangling:
			going = append(going, o.uid)
		case ownerWaiting:
			going = append(going, o.uid)
			waiting = append(waiting, o.uid)
		}
	}
	switch {
	case solid > 0:
		return verdict{removeRefs: going}
	case len(waiting) > 0 && len(v.dependents) > 0:
		out := verdict{delete: true, policy: metav1.DeletePropagationForeground}
		for _, d := range v.dependents {
			if d.foreground {
				out.unblockRefs = waiting
				break
			}
		}
		return out
	case hasString(finalizers, metav1.FinalizerOrphanDependents):
		return verdict{delete: true, policy: metav1.DeletePropagationOrphan}
	case hasString(finalizers, metav1.FinalizerDeleteDependents):
		return verdict{delete: true, policy: metav1.DeletePropagationForeground}
	default:
		return verdict{delete: true, policy: metav1.DeletePropagationBackground}
	}
}
