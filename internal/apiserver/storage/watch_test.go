package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
)

// want is an expected event: its type and object name (empty for bookmarks).
type want struct {
	typ  EventType
	name string
}

func next(t *testing.T, ch <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event within 10s")
	}
	panic("unreachable")
}

// expect reads len(wants) events and checks them, skipping periodic bookmarks.
func expect(t *testing.T, ch <-chan Event, wants ...want) []Event {
	t.Helper()
	var got []Event
	for len(got) < len(wants) {
		ev := next(t, ch)
		w := wants[len(got)]
		if ev.Type == Bookmark && !ev.InitialEventsEnd && w.typ != Bookmark {
			continue
		}
		name := ""
		if ev.Object != nil {
			name = nameOf(ev.Object)
			if rv := rvOf(t, ev.Object); rv != strconv.FormatInt(ev.Revision, 10) {
				t.Fatalf("event %s %s: object resourceVersion %s, event revision %d", ev.Type, name, rv, ev.Revision)
			}
		}
		if ev.Type != w.typ || name != w.name {
			t.Fatalf("event %d: %s %q, want %s %q", len(got), ev.Type, name, w.typ, w.name)
		}
		got = append(got, ev)
	}
	return got
}

func create(t *testing.T, s *Store, ns, name string, lbls map[string]string) int64 {
	t.Helper()
	obj, err := s.Create(t.Context(), cmKey(ns, name), configMap(ns, name, lbls, nil))
	if err != nil {
		t.Fatal(err)
	}
	return mustInt(t, rvOf(t, obj))
}

func relabel(t *testing.T, s *Store, ns, name string, lbls map[string]string) {
	t.Helper()
	_, err := s.Update(t.Context(), cmKey(ns, name), func(cur runtime.Object) (runtime.Object, error) {
		cur.(*corev1.ConfigMap).Labels = lbls
		return cur, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func watch(t *testing.T, s *Store, prefix string, opts WatchOptions) <-chan Event {
	t.Helper()
	ch, err := s.Watch(t.Context(), prefix, opts)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestWatchFromNow(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	create(t, s, "a", "before", nil)
	ch := watch(t, s, Prefix("", "configmaps", "a"), WatchOptions{})
	create(t, s, "b", "other-namespace", nil)
	create(t, s, "a", "x", nil)
	relabel(t, s, "a", "x", map[string]string{"k": "v"})
	if _, err := s.Delete(t.Context(), cmKey("a", "x"), nil); err != nil {
		t.Fatal(err)
	}
	evs := expect(t, ch, want{Added, "x"}, want{Modified, "x"}, want{Deleted, "x"})
	if evs[2].Object.(*corev1.ConfigMap).Labels["k"] != "v" {
		t.Fatalf("deleted event lacks the last state: %+v", evs[2].Object)
	}
}

func TestWatchFromResourceVersion(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	rv := create(t, s, "a", "x", nil)
	create(t, s, "a", "y", nil)
	relabel(t, s, "a", "x", map[string]string{"k": "v"})
	create(t, s, "b", "z", nil)
	if _, err := s.Delete(t.Context(), cmKey("a", "y"), nil); err != nil {
		t.Fatal(err)
	}
	ch := watch(t, s, Prefix("", "configmaps", "a"), WatchOptions{ResourceVersion: strconv.FormatInt(rv, 10)})
	expect(t, ch, want{Added, "y"}, want{Modified, "x"}, want{Deleted, "y"})
	create(t, s, "a", "live", nil)
	expect(t, ch, want{Added, "live"})
}

func TestWatchInitialEvents(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name  string
		opts  WatchOptions
		wants []want
	}{
		{"rv 0 sends current state", WatchOptions{ResourceVersion: "0"},
			[]want{{Added, "x"}, {Added, "y"}, {Added, "live"}}},
		{"rv 0 without initial events", WatchOptions{ResourceVersion: "0", SendInitialEvents: &no},
			[]want{{Added, "live"}}},
		{"sendInitialEvents from now", WatchOptions{SendInitialEvents: &yes},
			[]want{{Added, "x"}, {Added, "y"}, {Bookmark, ""}, {Added, "live"}}},
		{"sendInitialEvents at rv 0", WatchOptions{ResourceVersion: "0", SendInitialEvents: &yes, AllowBookmarks: true},
			[]want{{Added, "x"}, {Added, "y"}, {Bookmark, ""}, {Added, "live"}}},
		{"sendInitialEvents with predicate", WatchOptions{SendInitialEvents: &yes, Predicate: tierIs("db")},
			[]want{{Added, "y"}, {Bookmark, ""}, {Added, "live"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t, Options{})
			create(t, s, "a", "x", nil)
			rv := create(t, s, "a", "y", map[string]string{"tier": "db"})
			create(t, s, "b", "other", nil)
			// "0" may serve an older cache; let it catch up first.
			if _, err := s.List(t.Context(), Root, ListOptions{}); err != nil {
				t.Fatal(err)
			}
			ch := watch(t, s, Prefix("", "configmaps", "a"), tt.opts)
			create(t, s, "a", "live", map[string]string{"tier": "db"})
			evs := expect(t, ch, tt.wants...)
			for _, ev := range evs {
				if ev.Type == Bookmark && (!ev.InitialEventsEnd || ev.Revision < rv) {
					t.Fatalf("bookmark %+v, want InitialEventsEnd at revision ≥ %d", ev, rv)
				}
			}
		})
	}
}

func TestWatchPredicateTransitions(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ch := watch(t, s, Prefix("", "configmaps", "a"), WatchOptions{Predicate: tierIs("db")})
	create(t, s, "a", "x", map[string]string{"tier": "web"})               // not seen
	relabel(t, s, "a", "x", map[string]string{"tier": "db"})               // starts matching: ADDED
	relabel(t, s, "a", "x", map[string]string{"tier": "db", "n": "1"})     // MODIFIED
	relabel(t, s, "a", "x", map[string]string{"tier": "web"})              // stops matching: DELETED
	relabel(t, s, "a", "x", map[string]string{"tier": "web", "n": "2"})    // not seen
	if _, err := s.Delete(t.Context(), cmKey("a", "x"), nil); err != nil { // not seen
		t.Fatal(err)
	}
	create(t, s, "a", "y", map[string]string{"tier": "db"})
	evs := expect(t, ch, want{Added, "x"}, want{Modified, "x"}, want{Deleted, "x"}, want{Added, "y"})
	// The synthetic DELETED carries the last matching state at the
	// revision that made it stop matching.
	if evs[2].Object.(*corev1.ConfigMap).Labels["tier"] != "db" || evs[2].Revision <= evs[1].Revision {
		t.Fatalf("synthetic delete = %+v at %d", evs[2].Object, evs[2].Revision)
	}
}

func TestWatchOlderThanEventWindow(t *testing.T) {
	s, c := newTestStore(t, Options{EventWindow: 5})
	rv := create(t, s, "a", "first", nil)
	wants := []want{{Modified, "first"}}
	relabel(t, s, "a", "first", map[string]string{"k": "v"})
	var last int64
	for i := range 10 {
		last = create(t, s, "a", fmt.Sprintf("cm-%d", i), nil)
		create(t, s, "b", fmt.Sprintf("cm-%d", i), nil)
		wants = append(wants, want{Added, fmt.Sprintf("cm-%d", i)})
	}
	if _, err := s.Delete(t.Context(), cmKey("a", "first"), nil); err != nil {
		t.Fatal(err)
	}
	wants = append(wants, want{Deleted, "first"})

	// Events before the window come from etcd, the rest from the cache.
	ch := watch(t, s, Prefix("", "configmaps", "a"), WatchOptions{ResourceVersion: strconv.FormatInt(rv, 10)})
	expect(t, ch, wants...)
	create(t, s, "a", "live", nil)
	expect(t, ch, want{Added, "live"})

	// With a predicate, from etcd's history too.
	ch = watch(t, s, Prefix("", "configmaps", "a"), WatchOptions{ResourceVersion: strconv.FormatInt(rv, 10), Predicate: func(obj runtime.Object) bool {
		return obj.(*corev1.ConfigMap).Labels["k"] == "v"
	}})
	expect(t, ch, want{Added, "first"}, want{Deleted, "first"})

	// Once etcd compacted it, it is gone.
	cur, _ := s.currentRevision(t.Context())
	if _, err := c.Compact(t.Context(), cur); err != nil {
		t.Fatal(err)
	}
	_, err := s.Watch(t.Context(), Prefix("", "configmaps", ""), WatchOptions{ResourceVersion: strconv.FormatInt(rv, 10)})
	if !errors.Is(err, ErrGone) || !strings.HasPrefix(err.Error(), fmt.Sprintf("too old resource version: %d (", rv)) {
		t.Fatalf("watch from a compacted revision: %v, want ErrGone \"too old resource version\"", err)
	}
	// The newest revisions still replay from the cache.
	ch = watch(t, s, Prefix("", "configmaps", "a"), WatchOptions{ResourceVersion: strconv.FormatInt(last-2, 10)})
	expect(t, ch, want{Added, "cm-9"})
	if _, err := s.Watch(t.Context(), Prefix("", "configmaps", ""), WatchOptions{ResourceVersion: "nope"}); !errors.Is(err, ErrBadVersion) {
		t.Fatalf("watch at a bad resourceVersion: %v", err)
	}
}

func TestWatchBookmarks(t *testing.T) {
	s, _ := newTestStore(t, Options{BookmarkInterval: 20 * time.Millisecond})
	rv := create(t, s, "a", "x", nil)
	with := watch(t, s, Prefix("", "configmaps", "a"), WatchOptions{AllowBookmarks: true})
	without := watch(t, s, Prefix("", "configmaps", "a"), WatchOptions{})
	ev := next(t, with)
	if ev.Type != Bookmark || ev.Revision < rv || ev.Object != nil || ev.InitialEventsEnd {
		t.Fatalf("got %+v, want a bookmark at ≥ %d", ev, rv)
	}
	// Wait for a few more bookmarks, then check the other watcher got none.
	for range 3 {
		next(t, with)
	}
	create(t, s, "a", "y", nil)
	if ev := next(t, without); ev.Type != Added {
		t.Fatalf("watcher without bookmarks got %+v", ev)
	}
}

func TestWatchSlowConsumerIsClosed(t *testing.T) {
	s, _ := newTestStore(t, Options{WatchBuffer: 5})
	slow := watch(t, s, Prefix("", "configmaps", ""), WatchOptions{})
	fast := watch(t, s, Prefix("", "configmaps", ""), WatchOptions{})
	const n = outBuffer + 20 // more than the slow watcher can hold
	// Writes wait for the fast watcher, so only the slow one ever falls
	// behind, however loaded the machine is.
	for i := range n {
		create(t, s, "a", fmt.Sprintf("cm-%03d", i), nil)
		if ev := next(t, fast); nameOf(ev.Object) != fmt.Sprintf("cm-%03d", i) {
			t.Fatalf("fast watcher got %s at %d", nameOf(ev.Object), i)
		}
	}
	// The slow watcher gets what was queued, then its channel closes.
	deadline := time.After(10 * time.Second)
	got := 0
	for {
		select {
		case _, ok := <-slow:
			if !ok {
				if got >= n {
					t.Fatalf("slow watcher got all %d events but was closed", got)
				}
				return
			}
			got++
		case <-deadline:
			t.Fatal("slow watcher was not closed")
		}
	}
}

func TestWatchEndsWithContext(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := s.Watch(ctx, Prefix("", "configmaps", ""), WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("event after cancel")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not end with its context")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.RLock()
		n := s.watchers.n
		s.mu.RUnlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d watchers still registered", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCompaction(t *testing.T) {
	s, c := newTestStore(t, Options{CompactInterval: 50 * time.Millisecond})
	rv := create(t, s, "a", "x", nil)
	relabel(t, s, "a", "x", map[string]string{"k": "v"})
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := c.Get(t.Context(), cmKey("a", "x"), clientv3WithRev(rv))
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("etcd was not compacted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, err := s.List(t.Context(), Prefix("", "configmaps", ""), ListOptions{ResourceVersion: strconv.FormatInt(rv, 10), ResourceVersionMatch: "Exact"})
	if !errors.Is(err, ErrGone) {
		t.Fatalf("exact list at compacted revision: %v, want ErrGone", err)
	}
	// The cache keeps working.
	create(t, s, "a", "y", nil)
	res, err := s.List(t.Context(), Prefix("", "configmaps", ""), ListOptions{})
	if err != nil || len(res.Items) != 2 {
		t.Fatalf("list after compaction: %v, %v", names(res.Items), err)
	}
}

func TestWatchEndsWhenStoreStops(t *testing.T) {
	client := startEtcd(t, false)
	ctx, stop := context.WithCancel(t.Context())
	s, err := New(client, NewJSONCodec(scheme.Scheme), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ch := watch(t, s, Prefix("", "configmaps", ""), WatchOptions{})
	stop()
	for range ch {
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Watch(t.Context(), Prefix("", "configmaps", ""), WatchOptions{ResourceVersion: "0"})
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("watch succeeded after the store stopped")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWatchFutureResourceVersion(t *testing.T) {
	s, _ := newTestStore(t, Options{FreshTimeout: 200 * time.Millisecond})
	rv := create(t, s, "a", "x", nil)
	_, err := s.Watch(t.Context(), Prefix("", "configmaps", ""), WatchOptions{ResourceVersion: strconv.FormatInt(rv+100, 10)})
	if !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), "Too large resource version") {
		t.Fatalf("watch beyond etcd's revision: %v, want ErrTooLarge", err)
	}
	// A revision etcd has reached but the cache may not have yet waits for it.
	rv = create(t, s, "a", "y", nil)
	ch := watch(t, s, Prefix("", "configmaps", ""), WatchOptions{ResourceVersion: strconv.FormatInt(rv, 10)})
	create(t, s, "a", "z", nil)
	expect(t, ch, want{Added, "z"})
}
