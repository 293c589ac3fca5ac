package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/btree"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime"
)

// fillPage is how many keys one range read of the initial fill returns.
const fillPage = 1000

// fill reads every object under Root at one revision.
func (s *Store) fill(ctx context.Context) (*btree.BTreeG[*entry], int64, error) {
	tree := newTree()
	end := clientv3.GetPrefixRangeEnd(Root)
	key, rev := Root, int64(0)
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(fillPage)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := s.client.Get(ctx, key, opts...)
		if err != nil {
			return nil, 0, fmt.Errorf("fill watch cache: %w", err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			obj, err := s.decode(kv)
			if err != nil {
				s.log.Error("Skipping undecodable object", "key", string(kv.Key), "err", err)
				continue
			}
			tree.ReplaceOrInsert(&entry{key: string(kv.Key), obj: obj, rev: kv.ModRevision})
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return tree, rev, nil
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// errCompacted says the cache's etcd watch was compacted away: it must refill.
var errCompacted = errors.New("watch compacted")

// watchLoop keeps the cache current with one etcd watch over Root,
// re-watching after errors and refilling after a compaction overtook it.
func (s *Store) watchLoop(ctx context.Context) {
	defer s.stop()
	defer s.watcher.Close()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.watchOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errCompacted) {
			s.log.Warn("Watch cache fell behind compaction; refilling", "revision", s.rev)
			if err = s.refill(ctx); err == nil {
				backoff = 100 * time.Millisecond
				continue
			}
		}
		s.log.Warn("Watch cache interrupted", "revision", s.rev, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (s *Store) watchOnce(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Only this goroutine writes s.rev, so it may read it without the lock.
	wch := s.watcher.Watch(ctx, Root, clientv3.WithPrefix(), clientv3.WithRev(s.rev+1),
		clientv3.WithProgressNotify())
	for resp := range wch {
		if resp.CompactRevision != 0 {
			s.setCompacted(resp.CompactRevision)
			return errCompacted
		}
		if err := resp.Err(); err != nil {
			return fmt.Errorf("watch %s: %w", Root, err)
		}
		if resp.IsProgressNotify() {
			s.advance(resp.Header.Revision)
			continue
		}
		if len(resp.Events) > 0 {
			s.apply(resp.Events)
		}
	}
	return fmt.Errorf("watch %s: channel closed", Root)
}

// apply puts etcd events into the cache and hands them to watchers.
func (s *Store) apply(evs []*clientv3.Event) {
	batch := make([]*event, 0, len(evs))
	// One response may change a key more than once; later changes build on
	// the earlier ones, which are not in the tree yet.
	var pending map[string]runtime.Object // nil value: deleted
	if len(evs) > 1 {
		pending = make(map[string]runtime.Object, len(evs))
	}
	for _, ev := range evs {
		key := string(ev.Kv.Key)
		e := &event{key: key, rev: ev.Kv.ModRevision}
		prev, ok := pending[key]
		if !ok {
			if old, had := s.tree.Get(&entry{key: key}); had {
				prev = old.obj
			}
		}
		had := prev != nil
		e.prev = prev
		switch ev.Type {
		case mvccpb.PUT:
			obj, err := s.decode(ev.Kv)
			if err != nil {
				s.log.Error("Skipping undecodable object", "key", key, "revision", ev.Kv.ModRevision, "err", err)
				continue
			}
			e.obj, e.typ = obj, Added
			if had {
				e.typ = Modified
			}
		case mvccpb.DELETE:
			if !had {
				continue
			}
			// The last state, at the deletion's revision.
			e.obj, e.typ = prev.DeepCopyObject(), Deleted
			setRV(e.obj, e.rev)
		}
		batch = append(batch, e)
		if pending != nil {
			if e.typ == Deleted {
				pending[key] = nil
			} else {
				pending[key] = e.obj
			}
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range batch {
		if e.typ == Deleted {
			s.tree.Delete(&entry{key: e.key})
		} else {
			s.tree.ReplaceOrInsert(&entry{key: e.key, obj: e.obj, rev: e.rev})
		}
		s.events.push(e)
		s.watchers.dispatch(e, s.log)
	}
	if last := evs[len(evs)-1].Kv.ModRevision; last > s.rev {
		s.rev = last
		close(s.revChanged)
		s.revChanged = make(chan struct{})
	}
}

// advance records that etcd has no further changes under Root up to rev.
func (s *Store) advance(rev int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rev > s.rev {
		s.rev = rev
		close(s.revChanged)
		s.revChanged = make(chan struct{})
	}
}

// refill replaces the cache after its watch was compacted away. Watchers are
// closed, since events they should have seen are lost; they re-watch and get
// ErrGone or a fresh start.
func (s *Store) refill(ctx context.Context) error {
	tree, rev, err := s.fill(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tree = tree
	s.events.reset(rev)
	s.watchers.closeAll()
	if rev > s.rev {
		s.rev = rev
		close(s.revChanged)
		s.revChanged = make(chan struct{})
	}
	return nil
}

// stop ends every watch and refuses new ones.
func (s *Store) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	s.watchers.closeAll()
}

func (s *Store) setCompacted(rev int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.compacted = max(s.compacted, rev)
}

// event is a change as the cache records it. Watchers share it read-only.
type event struct {
	typ  EventType
	key  string
	obj  runtime.Object // the new state; for Deleted the last state at rev
	prev runtime.Object // the state before, nil for Added
	rev  int64

	// gone is prev at rev, for watchers whose predicate matched prev but not
	// obj (they see a Deleted); made on first use.
	goneOnce sync.Once
	gone     runtime.Object

	memo Memo // encodings shared by the watchers it reaches
}

func (e *event) prevAtRev() runtime.Object {
	e.goneOnce.Do(func() {
		e.gone = e.prev.DeepCopyObject()
		setRV(e.gone, e.rev)
	})
	return e.gone
}
