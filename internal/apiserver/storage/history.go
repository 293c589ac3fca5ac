package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// A watch may start at a revision older than the cache's event window but
// not yet compacted. Its older events then come from etcd's history, read by
// a watch of its own, until that reaches the revision at which the watcher
// joined the cache; the cache supplies the rest.

// checkHistory returns ErrGone when etcd no longer has the changes after rev.
func (s *Store) checkHistory(ctx context.Context, prefix string, rev int64) error {
	_, err := s.client.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1), clientv3.WithCountOnly())
	if errors.Is(err, rpctypes.ErrCompacted) {
		s.mu.RLock()
		oldest := s.events.floor
		s.mu.RUnlock()
		return tooOld(rev, oldest)
	}
	if err != nil {
		return fmt.Errorf("read history of %s after %d: %w", prefix, rev, err)
	}
	return nil
}

// historyPoll is how often a history read asks etcd whether it has caught up.
const historyPoll = 100 * time.Millisecond

// sendHistory sends w the events under w.prefix after from and up to w.joined
// from etcd. It reports false when the watch must end.
func (s *Store) sendHistory(ctx context.Context, w *watcher, from int64, send func(Event) bool) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A watcher of its own: progress requests then concern this watch only.
	ew := clientv3.NewWatcher(s.client)
	defer ew.Close()
	wch := ew.Watch(ctx, w.prefix, clientv3.WithPrefix(), clientv3.WithRev(from+1),
		clientv3.WithPrevKV(), clientv3.WithProgressNotify())
	poll := time.NewTicker(historyPoll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-poll.C:
			// etcd answers once it has sent every event up to its revision.
			_ = ew.RequestProgress(ctx)
		case resp, ok := <-wch:
			if !ok {
				return false
			}
			if resp.CompactRevision != 0 || resp.Err() != nil {
				s.log.Info("History watch ended", "prefix", w.prefix, "from", from, "err", resp.Err())
				return false
			}
			if resp.IsProgressNotify() {
				if resp.Header.Revision >= w.joined {
					return true
				}
				continue
			}
			for _, ev := range resp.Events {
				if ev.Kv.ModRevision > w.joined {
					return true
				}
				e, err := s.historyEvent(ev)
				if err != nil {
					s.log.Error("Skipping undecodable object", "key", string(ev.Kv.Key), "revision", ev.Kv.ModRevision, "err", err)
					continue
				}
				if out, ok := w.convert(e); ok && !send(out) {
					return false
				}
			}
		}
	}
}

// historyEvent turns an etcd event (with its previous value) into an event.
func (s *Store) historyEvent(ev *clientv3.Event) (*event, error) {
	e := &event{key: string(ev.Kv.Key), rev: ev.Kv.ModRevision}
	if ev.PrevKv != nil {
		prev, err := s.decode(ev.PrevKv)
		if err != nil {
			return nil, err
		}
		e.prev = prev
	}
	switch {
	case ev.Type == mvccpb.DELETE:
		if e.prev == nil {
			return nil, fmt.Errorf("delete without previous value")
		}
		e.typ, e.obj = Deleted, e.prev.DeepCopyObject()
		setRV(e.obj, e.rev)
		return e, nil
	case e.prev == nil:
		e.typ = Added
	default:
		e.typ = Modified
	}
	obj, err := s.decode(ev.Kv)
	if err != nil {
		return nil, err
	}
	e.obj = obj
	return e, nil
}
