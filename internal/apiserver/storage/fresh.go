package storage

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// The cache lags etcd by the time an event takes to arrive, and by any writes
// outside Root, which send it no event. Consistent reads first wait for it to
// reach etcd's current revision, asking etcd for a progress notification that
// tells the cache how far it has come.

// tooLarge says the cache did not reach rev within Options.FreshTimeout.
func tooLarge(rev, cur int64) error {
	return &statusError{fmt.Sprintf("Too large resource version: %d, current: %d", rev, cur), ErrTooLarge}
}

// waitFor waits until the cache has reached rev, asking etcd for a progress
// notification in case nothing under Root changes to carry the cache there.
// It gives up after Options.FreshTimeout with ErrTooLarge.
func (s *Store) waitFor(ctx context.Context, rev int64) error {
	var timeout <-chan time.Time
	for {
		s.mu.RLock()
		cur, changed := s.rev, s.revChanged
		s.mu.RUnlock()
		if cur >= rev {
			return nil
		}
		if timeout == nil {
			s.requestProgress()
			t := time.NewTimer(s.opts.FreshTimeout)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-changed:
		case <-timeout:
			return tooLarge(rev, cur)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// requestProgress asks the progress loop to request a progress notification;
// requests made while one is pending share it.
func (s *Store) requestProgress() {
	select {
	case s.progress <- struct{}{}:
	default:
	}
}

func (s *Store) progressLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.progress:
			// ctx is the watch loop's: RequestProgress finds the stream of
			// our watch by its gRPC metadata.
			if err := s.watcher.RequestProgress(ctx); err != nil && ctx.Err() == nil {
				s.log.Debug("Progress request failed", "err", err)
			}
		}
	}
}

// currentRevision asks etcd (linearizably) for its revision.
func (s *Store) currentRevision(ctx context.Context) (int64, error) {
	resp, err := s.client.Get(ctx, Root, clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("read current revision: %w", err)
	}
	return resp.Header.Revision, nil
}
