package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/btree"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// List implements Interface.List.
//
// ResourceVersion "" is a consistent read: the cache first catches up with
// etcd's current revision (or, after Options.FreshTimeout, etcd serves the
// list). "0" serves the cache as it is; N (Match "" or NotOlderThan) waits
// until the cache reaches N; N with Match Exact reads etcd at N. A Continue
// token serves the next page at the first page's revision, from a snapshot
// of the cache while one is kept, else from etcd. RemainingItemCount is set
// only without a Predicate.
func (s *Store) List(ctx context.Context, prefix string, opts ListOptions) (*ListResult, error) {
	if err := s.waitReady(ctx); err != nil {
		return nil, err
	}
	p := page{prefix: prefix, start: prefix, limit: max(opts.Limit, 0), pred: opts.Predicate}
	if opts.Continue != "" {
		if opts.ResourceVersion != "" && opts.ResourceVersion != "0" {
			return nil, &statusError{"specifying resource version is not allowed when using continue", ErrBadVersion}
		}
		rev, start, err := decodeContinue(opts.Continue)
		if err != nil {
			return nil, err
		}
		p.start, p.continued = prefix+start, true
		if snap := s.snapshots.get(rev); snap != nil {
			return p.fromTree(snap, rev, s), nil
		}
		return s.listEtcd(ctx, p, rev)
	}

	switch opts.ResourceVersionMatch {
	case "", string(metav1.ResourceVersionMatchNotOlderThan):
	case string(metav1.ResourceVersionMatchExact):
		rev, err := parseRV(opts.ResourceVersion)
		if err != nil || rev == 0 {
			return nil, &statusError{fmt.Sprintf("resourceVersionMatch %q requires a resourceVersion greater than 0", opts.ResourceVersionMatch), ErrBadVersion}
		}
		return s.listEtcd(ctx, p, rev)
	default:
		return nil, &statusError{fmt.Sprintf("unknown resourceVersionMatch %q", opts.ResourceVersionMatch), ErrBadVersion}
	}

	switch rv := opts.ResourceVersion; rv {
	case "":
		cur, err := s.currentRevision(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		if err := s.waitFor(ctx, cur); err != nil {
			if !errors.Is(err, ErrTooLarge) {
				return nil, err
			}
			s.log.Warn("Watch cache is behind; listing from etcd", "prefix", prefix, "revision", cur)
			return s.listEtcd(ctx, p, cur)
		}
	case "0":
	default:
		rev, err := parseRV(rv)
		if err != nil {
			return nil, err
		}
		if err := s.waitFor(ctx, rev); err != nil {
			return nil, err
		}
	}

	// Clone is O(1) and lets us read (and run predicates) without the lock;
	// the cache copies the few nodes it changes afterwards.
	s.mu.Lock()
	tree, rev := s.tree.Clone(), s.rev
	s.mu.Unlock()
	res := p.fromTree(tree, rev, s)
	if res.Continue != "" {
		s.snapshots.put(rev, tree)
	}
	return res, nil
}

// Count implements Interface.Count from the cache.
func (s *Store) Count(ctx context.Context, prefix string) (int64, error) {
	if err := s.waitReady(ctx); err != nil {
		return 0, err
	}
	lo, hi := &entry{key: prefix}, &entry{key: clientv3.GetPrefixRangeEnd(prefix)}
	var n int64
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.tree.AscendRange(lo, hi, func(*entry) bool { n++; return true })
	return n, nil
}

// page is what one List call asks for.
type page struct {
	prefix string
	start  string // first key to consider
	limit  int64  // 0: all
	pred   Predicate
	// continued: a later page of a paged list.
	continued bool
}

// fromTree serves p from a cache tree at rev.
func (p page) fromTree(tree *btree.BTreeG[*entry], rev int64, s *Store) *ListResult {
	res := &ListResult{Revision: rev, Items: []runtime.Object{}, Encodings: []*Encodings{}}
	lo, hi := &entry{key: p.start}, &entry{key: clientv3.GetPrefixRangeEnd(p.prefix)}
	var last string
	var more bool
	var remaining int64
	tree.AscendRange(lo, hi, func(en *entry) bool {
		if p.limit > 0 && int64(len(res.Items)) == p.limit {
			if p.pred != nil {
				// Only matching items make another page worth asking for.
				if !p.pred(en.obj) {
					return true
				}
				more = true
				return false
			}
			more = true
			remaining++
			return true
		}
		if p.pred == nil || p.pred(en.obj) {
			res.Items = append(res.Items, en.obj)
			res.Encodings = append(res.Encodings, &en.enc)
			last = en.key
		}
		return true
	})
	if more {
		res.Continue = encodeContinue(rev, last[len(p.prefix):]+"\x00")
		if p.pred == nil {
			res.RemainingItemCount = &remaining
		}
	}
	return res
}

// listEtcd serves p from etcd at rev (0: current), for exact-revision reads,
// continue tokens whose snapshot is gone, and a cache that lags behind.
func (s *Store) listEtcd(ctx context.Context, p page, rev int64) (*ListResult, error) {
	res := &ListResult{Items: []runtime.Object{}}
	end := clientv3.GetPrefixRangeEnd(p.prefix)
	key, last := p.start, ""
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		chunk := int64(fillPage)
		if p.limit > 0 && p.pred == nil {
			// One more than needed tells whether another page exists.
			chunk = p.limit - int64(len(res.Items)) + 1
		}
		opts = append(opts, clientv3.WithLimit(chunk))
		resp, err := s.client.Get(ctx, key, opts...)
		if err != nil {
			if errors.Is(err, rpctypes.ErrCompacted) {
				if p.continued {
					return nil, &statusError{"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.", ErrGone}
				}
				return nil, &statusError{fmt.Sprintf("The resourceVersion for the provided list is too old: %d", rev), ErrGone}
			}
			if errors.Is(err, rpctypes.ErrFutureRev) {
				return nil, tooLarge(rev, s.Revision())
			}
			return nil, fmt.Errorf("list %s at %d: %w", p.prefix, rev, err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		res.Revision = rev
		for i, kv := range resp.Kvs {
			if p.limit > 0 && int64(len(res.Items)) == p.limit {
				res.Continue = encodeContinue(rev, last[len(p.prefix):]+"\x00")
				if p.pred == nil {
					n := resp.Count - int64(i)
					res.RemainingItemCount = &n
				}
				return res, nil
			}
			obj, err := s.decode(kv)
			if err != nil {
				return nil, fmt.Errorf("list %s: decode %s: %w", p.prefix, kv.Key, err)
			}
			if p.pred == nil || p.pred(obj) {
				res.Items = append(res.Items, obj)
				last = string(kv.Key)
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return res, nil
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}
