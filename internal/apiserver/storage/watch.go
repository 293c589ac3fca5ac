package storage

import (
	"context"
	"errors"
	"time"

	"github.com/google/btree"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// outBuffer is the capacity of the channel Watch returns; it lets the
// handler see that more events are ready and flush once for several.
const outBuffer = 64

// Watch implements Interface.Watch from the watch cache.
//
// ResourceVersion "" (without SendInitialEvents) starts from now, that is
// etcd's current revision; "0" first sends the cache's current state as Added
// events; N replays the events after N, from the cache's event window or,
// when older, from etcd's history, and is ErrGone when etcd has compacted
// them. SendInitialEvents=true sends the state at (at least) ResourceVersion
// as Added events and then a Bookmark with InitialEventsEnd, whether or not
// AllowBookmarks is set. N beyond what etcd has reached is ErrTooLarge after
// Options.FreshTimeout.
func (s *Store) Watch(ctx context.Context, prefix string, opts WatchOptions) (<-chan Event, error) {
	if err := s.waitReady(ctx); err != nil {
		return nil, err
	}
	initial := opts.SendInitialEvents != nil && *opts.SendInitialEvents
	w := &watcher{
		prefix:    prefix,
		pred:      opts.Predicate,
		bookmarks: opts.AllowBookmarks,
		in:        make(chan *event, s.opts.WatchBuffer),
		out:       make(chan Event, outBuffer),
	}
	var from int64 // replay events after from; 0: start at the cache's revision
	switch rv := opts.ResourceVersion; {
	case rv == "" && initial:
		cur, err := s.currentRevision(ctx)
		if err != nil {
			return nil, err
		}
		if err := s.waitFor(ctx, cur); err != nil {
			return nil, err
		}
		w.snapshot, w.endMarker = true, true
	case rv == "":
		// From now: every change after etcd's current revision.
		cur, err := s.currentRevision(ctx)
		if err != nil {
			return nil, err
		}
		if err := s.waitFor(ctx, cur); err != nil {
			return nil, err
		}
		from = cur
	case rv == "0":
		w.snapshot = opts.SendInitialEvents == nil || initial
		w.endMarker = initial
	default:
		n, err := parseRV(rv)
		if err != nil {
			return nil, err
		}
		if err := s.waitFor(ctx, n); err != nil {
			return nil, err
		}
		if initial {
			w.snapshot, w.endMarker = true, true
		} else {
			from = n
		}
	}

	s.mu.Lock()
	if w.snapshot {
		w.snap, w.snapRev = s.tree.Clone(), s.rev
	}
	if from != 0 {
		evs, ok := s.events.since(from, prefix)
		if ok {
			w.replay = evs
		} else {
			// Older than the event window: read etcd's history, if it still
			// has it, up to the revision at which w joins the cache.
			s.mu.Unlock()
			if err := s.checkHistory(ctx, prefix, from); err != nil {
				return nil, err
			}
			s.mu.Lock()
			w.history, w.joined = from, s.rev
		}
	}
	if s.stopped {
		s.mu.Unlock()
		return nil, errors.New("watch: storage stopped")
	}
	s.watchers.add(w)
	s.mu.Unlock()

	go s.serve(ctx, w)
	return w.out, nil
}

// watcher is one Watch call: the cache hands it events through in; its own
// goroutine (serve) filters them into out.
type watcher struct {
	prefix    string
	pred      Predicate
	bookmarks bool
	in        chan *event
	out       chan Event

	// Sent before the events from in, in this order.
	snapshot  bool                  // send snap as Added events
	snap      *btree.BTreeG[*entry] // the cache at snapRev
	snapRev   int64
	endMarker bool // then a Bookmark with InitialEventsEnd
	replay    []*event
	history   int64 // or etcd's events after history, up to joined
	joined    int64
}

func (s *Store) serve(ctx context.Context, w *watcher) {
	defer close(w.out)
	defer s.unregister(w)
	send := func(ev Event) bool {
		select {
		case w.out <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if w.snap != nil {
		ok := true
		lo, hi := &entry{key: w.prefix}, &entry{key: clientv3.GetPrefixRangeEnd(w.prefix)}
		w.snap.AscendRange(lo, hi, func(en *entry) bool {
			if w.pred == nil || w.pred(en.obj) {
				ok = send(Event{Type: Added, Object: en.obj, Revision: en.rev})
			}
			return ok
		})
		w.snap = nil
		if !ok {
			return
		}
	}
	if w.endMarker && !send(Event{Type: Bookmark, Revision: w.snapRev, InitialEventsEnd: true}) {
		return
	}
	if w.history != 0 && !s.sendHistory(ctx, w, w.history, send) {
		return
	}
	for _, e := range w.replay {
		if ev, ok := w.convert(e); ok && !send(ev) {
			return
		}
	}
	w.replay = nil
	for {
		select {
		case e, ok := <-w.in:
			if !ok {
				return
			}
			if ev, ok := w.convert(e); ok && !send(ev) {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// convert applies w's predicate: an object that starts matching is Added, one
// that stops matching is Deleted (its last matching state at the event's
// revision), as Kubernetes does.
func (w *watcher) convert(e *event) (Event, bool) {
	ev := Event{Type: e.typ, Object: e.obj, Revision: e.rev}
	if e.typ == Bookmark {
		// One bookmark goes to watchers of every resource: nothing to share.
		return ev, true
	}
	// Within one event, a type always comes with the same object (Deleted
	// with prevAtRev when converted), so watchers may share its encodings.
	ev.Memo = &e.memo
	if w.pred == nil {
		return ev, true
	}
	switch e.typ {
	case Added, Deleted:
		return ev, w.pred(e.obj)
	}
	now, before := w.pred(e.obj), w.pred(e.prev)
	switch {
	case now && before:
		return ev, true
	case now:
		ev.Type = Added
		return ev, true
	case before:
		ev.Type, ev.Object = Deleted, e.prevAtRev()
		return ev, true
	}
	return ev, false
}

func (s *Store) unregister(w *watcher) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchers.remove(w)
}

// bookmarkLoop sends a Bookmark to every watcher that allows them each
// BookmarkInterval, and asks etcd for progress so idle caches move on.
func (s *Store) bookmarkLoop(ctx context.Context) {
	t := time.NewTicker(s.opts.BookmarkInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.requestProgress()
		s.mu.Lock()
		s.watchers.bookmark(&event{typ: Bookmark, rev: s.rev})
		s.mu.Unlock()
	}
}
