package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/google/btree"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Store is the etcd-backed Interface. Writes and Get go to etcd; List, Watch
// and Count are served from a watch cache that one etcd watch over Root keeps
// current.
//
// Objects the Store returns from List and Watch, and those it passes to
// predicates, are the cache's own and shared by every caller: treat them as
// read-only and DeepCopy before changing them. Objects from Create, Get,
// Update and Delete belong to the caller.
type Store struct {
	client  *clientv3.Client
	watcher clientv3.Watcher // our own stream, so RequestProgress reaches our watch only
	codec   Codec
	opts    Options
	log     *slog.Logger

	started  atomic.Bool
	ready    chan struct{}
	progress chan struct{} // capacity 1: a pending progress request

	snapshots snapshots // trees kept for paged lists' continue tokens

	// mu guards the cache. Only the watch loop changes it (under Lock), so the
	// loop itself may read tree without taking mu.
	mu         sync.RWMutex
	tree       *btree.BTreeG[*entry]
	rev        int64         // the cache holds every change up to this revision
	revChanged chan struct{} // closed and replaced whenever rev advances
	events     ring
	watchers   watcherSet
	stopped    bool  // the watch loop ended: no new watchers
	compacted  int64 // latest revision etcd is known to be compacted to
}

// entry is one cached object.
type entry struct {
	key string
	obj runtime.Object // resourceVersion set; shared, read-only
	rev int64
	enc Encodings // obj's serialized forms, made as lists ask for them
}

func entryLess(a, b *entry) bool { return a.key < b.key }

func newTree() *btree.BTreeG[*entry] { return btree.NewG(32, entryLess) }

// New returns a Store on client. Call Start before List, Watch or Count
// (they wait until the cache is filled); the other methods work at once.
// The Store stops when Start's context ends: watches end then, and later
// ones fail.
func New(client *clientv3.Client, codec Codec, opts Options) (*Store, error) {
	if client == nil || codec == nil {
		return nil, errors.New("new storage: client and codec are required")
	}
	opts = opts.withDefaults()
	return &Store{
		client:     client,
		watcher:    clientv3.NewWatcher(client),
		codec:      codec,
		opts:       opts,
		log:        opts.Logger.With("component", "storage"),
		ready:      make(chan struct{}),
		progress:   make(chan struct{}, 1),
		tree:       newTree(),
		revChanged: make(chan struct{}),
		events:     newRing(opts.EventWindow),
		watchers:   newWatcherSet(),
	}, nil
}

var _ Interface = (*Store)(nil)

// Start fills the watch cache from etcd and then keeps it current until ctx
// ends, compacting etcd every Options.CompactInterval. It returns once the
// cache is filled (Ready is closed then) or with the error that prevented it.
func (s *Store) Start(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("start storage: already started")
	}
	tree, rev, err := s.fill(ctx)
	if err != nil {
		s.started.Store(false) // may be retried
		return fmt.Errorf("start storage: %w", err)
	}
	s.mu.Lock()
	s.tree, s.rev = tree, rev
	s.events.reset(rev)
	s.mu.Unlock()
	s.log.Info("Watch cache filled", "objects", tree.Len(), "revision", rev)

	// Without a leader the etcd member would stall our watch silently; with
	// this the watch fails and is re-established. Progress requests must
	// carry the same gRPC metadata to reach the same watch stream.
	wctx := clientv3.WithRequireLeader(ctx)
	go s.watchLoop(wctx)
	go s.progressLoop(wctx)
	go s.bookmarkLoop(ctx)
	if s.opts.CompactInterval > 0 {
		go s.compactLoop(ctx)
	}
	close(s.ready)
	return nil
}

// Ready is closed once the watch cache is filled.
func (s *Store) Ready() <-chan struct{} { return s.ready }

func (s *Store) waitReady(ctx context.Context) error {
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for watch cache: %w", ctx.Err())
	}
}

// Revision returns the revision the watch cache has reached.
func (s *Store) Revision() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rev
}

// setRV sets obj's resourceVersion to rev ("" for 0).
func setRV(obj runtime.Object, rev int64) {
	v := ""
	if rev != 0 {
		v = strconv.FormatInt(rev, 10)
	}
	if m, ok := obj.(metav1.Object); ok {
		m.SetResourceVersion(v)
		return
	}
	if m, err := meta.Accessor(obj); err == nil {
		m.SetResourceVersion(v)
	}
}

// statusError is an error whose message is exactly what Kubernetes says
// (clients match on some of them) and which is one of the Err* kinds.
type statusError struct {
	msg  string
	kind error
}

func (e *statusError) Error() string { return e.msg }
func (e *statusError) Unwrap() error { return e.kind }

func tooOld(rv, oldest int64) error {
	return &statusError{fmt.Sprintf("too old resource version: %d (%d)", rv, oldest), ErrGone}
}

// parseRV parses a non-empty resourceVersion.
func parseRV(rv string) (int64, error) {
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || n < 0 {
		return 0, &statusError{fmt.Sprintf("invalid resource version %q", rv), ErrBadVersion}
	}
	return n, nil
}
