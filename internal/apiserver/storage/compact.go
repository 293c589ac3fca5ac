package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// compactKey records the last compaction. Servers sharing one etcd race to
// bump its version, and only the winner compacts, so etcd is compacted once
// per interval however many servers run. It lies outside Root, so the watch
// cache never sees it.
const compactKey = "/bosun/compact_rev_key"

// compactLoop compacts etcd every CompactInterval to the revision seen one
// interval earlier, keeping at least one interval of history for watches and
// paged lists.
func (s *Store) compactLoop(ctx context.Context) {
	t := time.NewTicker(s.opts.CompactInterval)
	defer t.Stop()
	var version, target int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, cur, err := s.compact(ctx, version, target)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("Compaction failed", "revision", target, "err", err)
			}
			continue
		}
		version, target = v, cur
	}
}

// compact compacts etcd to target (0: only claim the turn) if compactKey's
// version is still version. It returns the key's version now and etcd's
// current revision, the next target.
func (s *Store) compact(ctx context.Context, version, target int64) (int64, int64, error) {
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.Version(compactKey), "=", version)).
		Then(clientv3.OpPut(compactKey, strconv.FormatInt(target, 10))).
		Else(clientv3.OpGet(compactKey)).
		Commit()
	if err != nil {
		return version, target, fmt.Errorf("claim compaction: %w", err)
	}
	cur := resp.Header.Revision
	if !resp.Succeeded {
		// Another server compacted this interval; follow its count.
		if r := resp.Responses[0].GetResponseRange(); r != nil && len(r.Kvs) > 0 {
			return r.Kvs[0].Version, cur, nil
		}
		return 0, cur, nil
	}
	if target > 0 {
		if _, err := s.client.Compact(ctx, target); err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
			return version + 1, cur, fmt.Errorf("compact to %d: %w", target, err)
		}
		s.setCompacted(target)
		s.log.Info("Compacted etcd", "revision", target)
	}
	return version + 1, cur, nil
}
