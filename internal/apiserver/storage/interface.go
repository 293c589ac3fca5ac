// Package storage keeps API objects in etcd: one key per object under
// /registry/<group>/<resource>/[<namespace>/]<name>, resourceVersion = etcd mod
// revision, optimistic concurrency through etcd transactions, and a watch cache
// that serves lists and fans out watch events.
package storage

import (
	"context"
	"errors"

	"k8s.io/apimachinery/pkg/runtime"
)

// Errors the Store returns; the API handler maps them to metav1.Status.
var (
	ErrNotFound   = errors.New("not found")   // 404 NotFound
	ErrExists     = errors.New("exists")      // 409 AlreadyExists
	ErrConflict   = errors.New("conflict")    // 409 Conflict (resourceVersion precondition failed)
	ErrGone       = errors.New("gone")        // 410 Expired / Gone (compacted or too old)
	ErrBadVersion = errors.New("bad version") // 400 invalid resourceVersion / continue token
	// ErrTooLarge: the watch cache did not reach the requested resourceVersion
	// in time; Kubernetes answers 504 Timeout with cause ResourceVersionTooLarge.
	ErrTooLarge = errors.New("too large resource version")
)

// EventType is watch.EventType's string form: ADDED, MODIFIED, DELETED, BOOKMARK, ERROR.
type EventType string

const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
	Bookmark EventType = "BOOKMARK"
)

// Event is one change seen by a watch. Object carries its resourceVersion; for
// Deleted it is the last state with the deletion's revision as resourceVersion.
// A Bookmark's Object is nil and Revision tells the position; InitialEventsEnd
// marks the bookmark that ends the initial events of a sendInitialEvents watch.
//
// Memo, when set, is shared by every watcher given this same event (type
// and object), for encoding it once per format.
type Event struct {
	Type             EventType
	Object           runtime.Object
	Revision         int64
	InitialEventsEnd bool
	Memo             *Memo
}

// Predicate selects objects for list and watch (labels, fields); nil selects all.
// It is called concurrently on objects shared with the watch cache, so it must
// not modify them. Pass nil rather than a predicate that accepts everything:
// lists are then cheaper and report RemainingItemCount.
type Predicate func(obj runtime.Object) bool

// ListOptions mirror metav1.ListOptions' storage-relevant fields.
type ListOptions struct {
	// ResourceVersion "" = most recent (consistent), "0" = any (cache), N with
	// Match "" or NotOlderThan = at least N, Exact = exactly N (etcd range read at N).
	ResourceVersion      string
	ResourceVersionMatch string
	Limit                int64
	Continue             string
	Predicate            Predicate
}

// ListResult is a page of objects sorted by key.
type ListResult struct {
	Items []runtime.Object
	// Encodings, when set (lists served from the watch cache), holds
	// Items[i]'s cached serialized forms at i: encoders may use them
	// instead of encoding the item again.
	Encodings []*Encodings
	Revision  int64
	// Continue is set when more items remain; RemainingItemCount when known.
	Continue           string
	RemainingItemCount *int64
}

// WatchOptions mirror metav1.ListOptions' watch fields.
type WatchOptions struct {
	// ResourceVersion "" or "0" with SendInitialEvents unset: start with the
	// current state as ADDED events ("0") or from now (""), as Kubernetes does.
	ResourceVersion   string
	SendInitialEvents *bool
	AllowBookmarks    bool
	Predicate         Predicate
}

// Interface is what the API handler needs of storage. Keys are full etcd keys
// made with Key; prefixes end in "/".
type Interface interface {
	// Create stores obj at key if absent; returns the stored object with its resourceVersion.
	Create(ctx context.Context, key string, obj runtime.Object) (runtime.Object, error)
	// Get returns the object at key (from etcd, so it is always current).
	Get(ctx context.Context, key string) (runtime.Object, error)
	// GetShared is Get for callers that only read: the object may be the
	// watch cache's (when it holds the same revision etcd returns), shared
	// and read-only, and then comes with its cached Encodings (else nil).
	GetShared(ctx context.Context, key string) (runtime.Object, *Encodings, error)
	// GetCached returns the object at key from the watch cache, which may lag
	// etcd by a moment: for checks that tolerate that (admission), not for
	// answering clients. The object is the cache's: read-only.
	GetCached(ctx context.Context, key string) (runtime.Object, error)
	// Update reads the current object, calls tryUpdate with a deep copy of it,
	// and writes the result only if the key was not modified meanwhile,
	// retrying tryUpdate on races. tryUpdate returning an error aborts with it.
	// Returning the input unchanged (semantically equal) is a no-op that does
	// not bump resourceVersion.
	Update(ctx context.Context, key string, tryUpdate func(cur runtime.Object) (runtime.Object, error)) (runtime.Object, error)
	// Delete removes key after precondition (if non-nil) accepts the current
	// object; returns the deleted object with the deletion's revision.
	Delete(ctx context.Context, key string, precondition func(cur runtime.Object) error) (runtime.Object, error)
	// List returns objects under prefix.
	//
	// The items are the watch cache's own objects, shared with every other
	// caller and with watch events: read-only. DeepCopy before changing one.
	List(ctx context.Context, prefix string, opts ListOptions) (*ListResult, error)
	// Watch streams changes under prefix until ctx ends or the consumer falls too
	// far behind (then the channel closes). ErrGone for a compacted start.
	//
	// Event objects are shared like List's items: read-only.
	Watch(ctx context.Context, prefix string, opts WatchOptions) (<-chan Event, error)
	// Count returns how many objects are stored under prefix.
	Count(ctx context.Context, prefix string) (int64, error)
}
