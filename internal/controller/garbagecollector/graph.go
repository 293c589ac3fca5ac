package garbagecollector

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// objectRef names an object: its kind, coordinates and UID.
type objectRef struct {
	APIVersion, Kind string
	Namespace, Name  string
	UID              types.UID
}

// node is one object in the ownership graph. A virtual node is an owner
// named by some dependent but not (or no longer) seen by any informer; it
// lives only while dependents point at it.
type node struct {
	ref        objectRef
	gvr        schema.GroupVersionResource
	owners     []metav1.OwnerReference
	dependents map[types.UID]*node
	// resourceVersion and finalizers as last observed let a worker act
	// without a read, with the resourceVersion as its precondition.
	resourceVersion string
	finalizers      []string
	virtual         bool
	deleting        bool
	foreground      bool // deleting, waiting for its blocking dependents
	orphan          bool // deleting, its dependents must be orphaned first
}

// change is one informer observation.
type change struct {
	deleted         bool
	ref             objectRef
	gvr             schema.GroupVersionResource
	owners          []metav1.OwnerReference
	deleting        bool
	finalizers      []string
	resourceVersion string
}

type actionKind int

const (
	// attemptDelete: check the object (verify a virtual owner, collect a
	// dependent, or finish a foreground deletion).
	attemptDelete actionKind = iota
	// attemptOrphan: strip the owner's references from its dependents.
	attemptOrphan
)

type action struct {
	kind actionKind
	uid  types.UID
}

// graph is the ownership graph. It does no I/O; callers serialise access.
type graph struct {
	nodes map[types.UID]*node
}

func newGraph() *graph { return &graph{nodes: map[types.UID]*node{}} }

// process applies an observation and says which objects need attention.
func (g *graph) process(ch change) []action {
	if ch.deleted {
		return g.remove(ch.ref.UID)
	}
	var acts []action
	n := g.nodes[ch.ref.UID]
	if n == nil {
		n = &node{dependents: map[types.UID]*node{}}
		g.nodes[ch.ref.UID] = n
	}
	var old []metav1.OwnerReference
	if !n.virtual {
		old = n.owners
	}
	n.virtual, n.ref, n.gvr, n.owners = false, ch.ref, ch.gvr, ch.owners
	acts = append(acts, g.relink(n, old)...)

	n.deleting, n.finalizers, n.resourceVersion = ch.deleting, ch.finalizers, ch.resourceVersion
	fg := ch.deleting && hasString(ch.finalizers, metav1.FinalizerDeleteDependents)
	or := ch.deleting && hasString(ch.finalizers, metav1.FinalizerOrphanDependents)
	if fg && !n.foreground {
		acts = append(acts, action{attemptDelete, n.ref.UID})
		for uid := range n.dependents {
			acts = append(acts, action{attemptDelete, uid})
		}
	}
	if or && !n.orphan {
		acts = append(acts, action{attemptOrphan, n.ref.UID})
	}
	n.foreground, n.orphan = fg, or
	return acts
}

// relink updates the owner edges of n after its ownerReferences changed
// from old to n.owners.
func (g *graph) relink(n *node, old []metav1.OwnerReference) []action {
	var acts []action
	before := map[types.UID]metav1.OwnerReference{}
	for _, o := range old {
		before[o.UID] = o
	}
	for _, o := range n.owners {
		prev, had := before[o.UID]
		delete(before, o.UID)
		owner := g.nodes[o.UID]
		if had {
			// Dropping blockOwnerDeletion may unblock a foreground owner.
			if owner != nil && owner.foreground && blocks(prev) && !blocks(o) {
				acts = append(acts, action{attemptDelete, o.UID})
			}
			continue
		}
		if owner == nil {
			owner = &node{virtual: true, dependents: map[types.UID]*node{}, ref: objectRef{
				APIVersion: o.APIVersion, Kind: o.Kind, Namespace: n.ref.Namespace, Name: o.Name, UID: o.UID}}
			g.nodes[o.UID] = owner
		}
		if owner.virtual {
			// An owner no informer shows (yet, or any more) is verified by
			// a live read; the queue folds the many dependents of one owner
			// into one read.
			acts = append(acts, action{attemptDelete, o.UID})
		}
		owner.dependents[n.ref.UID] = n
		if owner.foreground {
			acts = append(acts, action{attemptDelete, n.ref.UID})
		}
	}
	for uid := range before {
		acts = append(acts, g.unlink(n.ref.UID, uid)...)
	}
	return acts
}

// unlink removes the edge dependent → owner.
func (g *graph) unlink(dependent, ownerUID types.UID) []action {
	owner := g.nodes[ownerUID]
	if owner == nil {
		return nil
	}
	delete(owner.dependents, dependent)
	if owner.virtual && len(owner.dependents) == 0 {
		delete(g.nodes, ownerUID)
		return nil
	}
	if owner.foreground {
		return []action{{attemptDelete, ownerUID}}
	}
	return nil
}

// remove handles an object's deletion: its dependents may now be garbage,
// and owners deleting in the foreground may be unblocked.
func (g *graph) remove(uid types.UID) []action {
	n := g.nodes[uid]
	if n == nil || n.virtual {
		return nil
	}
	var acts []action
	for _, o := range n.owners {
		acts = append(acts, g.unlink(uid, o.UID)...)
	}
	n.owners = nil
	if len(n.dependents) == 0 {
		delete(g.nodes, uid)
		return acts
	}
	return append(acts, g.absent(n)...)
}

// ownerAbsent records that a live read found no object with this UID.
func (g *graph) ownerAbsent(uid types.UID) []action {
	n := g.nodes[uid]
	if n == nil || !n.virtual {
		return nil
	}
	return g.absent(n)
}

// absent turns n into a virtual node and queues its dependents.
func (g *graph) absent(n *node) []action {
	n.virtual, n.deleting, n.foreground, n.orphan = true, false, false, false
	acts := make([]action, 0, len(n.dependents))
	for uid := range n.dependents {
		acts = append(acts, action{attemptDelete, uid})
	}
	return acts
}

func blocks(o metav1.OwnerReference) bool {
	return o.BlockOwnerDeletion != nil && *o.BlockOwnerDeletion
}

func hasString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
