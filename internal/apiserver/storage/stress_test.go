package storage

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Writers race on a few keys while watchers, some with a predicate, follow
// along; each watcher's events, applied in order, must end in the state a
// consistent list shows, with revisions only going up.
func TestWatchersAgreeWithList(t *testing.T) {
	s, _ := newTestStore(t, Options{EventWindow: 50, BookmarkInterval: 50 * time.Millisecond})
	ctx := t.Context()
	prefix := Prefix("", "configmaps", "a")
	yes := true
	start, err := s.currentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type follower struct {
		ch      <-chan Event
		pred    Predicate
		initial bool
	}
	var followers []follower
	for i, pred := range []Predicate{nil, tierIs("db"), nil, tierIs("web")} {
		// Bookmarks tell a filtering watcher it has seen the last revision.
		opts := WatchOptions{Predicate: pred, SendInitialEvents: &yes, AllowBookmarks: true}
		if i%2 == 1 {
			opts.ResourceVersion = "0"
		}
		followers = append(followers, follower{watch(t, s, prefix, opts), pred, true})
	}

	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for range 60 {
				name := fmt.Sprintf("cm-%d", r.IntN(8))
				tier := []string{"db", "web"}[r.IntN(2)]
				var err error
				switch r.IntN(3) {
				case 0:
					_, err = s.Create(ctx, cmKey("a", name), configMap("a", name, map[string]string{"tier": tier}, nil))
				case 1:
					_, err = s.Update(ctx, cmKey("a", name), func(cur runtime.Object) (runtime.Object, error) {
						cur.(*corev1.ConfigMap).Labels = map[string]string{"tier": tier}
						return cur, nil
					})
				case 2:
					_, err = s.Delete(ctx, cmKey("a", name), nil)
				}
				if err != nil && !errors.Is(err, ErrExists) && !errors.Is(err, ErrNotFound) {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	// Late watchers from the start replay from etcd's history (beyond the
	// event window) and then join the cache.
	for _, pred := range []Predicate{nil, tierIs("db")} {
		ch := watch(t, s, prefix, WatchOptions{ResourceVersion: strconv.FormatInt(start, 10), Predicate: pred, AllowBookmarks: true})
		followers = append(followers, follower{ch, pred, false})
	}
	final, err := s.List(ctx, prefix, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}

	for i, f := range followers {
		want := map[string]string{}
		for _, obj := range final.Items {
			if f.pred == nil || f.pred(obj) {
				want[nameOf(obj)] = rvOf(t, obj)
			}
		}
		got := map[string]string{}
		initial := f.initial
		var last int64
		deadline := time.After(20 * time.Second)
		for last < final.Revision {
			var ev Event
			select {
			case ev = <-f.ch:
			case <-deadline:
				t.Fatalf("watcher %d stuck at revision %d of %d", i, last, final.Revision)
			}
			switch {
			case ev.Type == Bookmark:
				if ev.InitialEventsEnd {
					initial = false
				}
				last = max(last, ev.Revision)
				continue
			case !initial && ev.Revision <= last:
				t.Fatalf("watcher %d: revision %d after %d", i, ev.Revision, last)
			case !initial:
				last = ev.Revision
			}
			switch ev.Type {
			case Added, Modified:
				got[nameOf(ev.Object)] = strconv.FormatInt(ev.Revision, 10)
			case Deleted:
				delete(got, nameOf(ev.Object))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("watcher %d ends with %v, list has %v", i, got, want)
		}
	}
}
