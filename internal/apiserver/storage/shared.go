package storage

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
)

// GetShared is Get for a caller that only reads the object, such as a GET
// handler encoding it for a client. etcd is still asked (the read stays
// linearizable), but when the watch cache holds the key at the very mod
// revision etcd returned, the cache's object is that value decoded already:
// it is returned with its Encodings instead of decoding again. Decoding and
// encoding were two thirds of a get's handler CPU.
//
// The object may be the cache's, shared: read-only. Encodings is nil when
// the object was decoded for this call.
func (s *Store) GetShared(ctx context.Context, key string) (runtime.Object, *Encodings, error) {
	kv, err := s.getKV(ctx, key)
	if err != nil {
		return nil, nil, fmt.Errorf("get %s: %w", key, err)
	}
	if en := s.cached(key); en != nil && en.rev == kv.ModRevision {
		return en.obj, &en.enc, nil
	}
	obj, err := s.decode(kv)
	if err != nil {
		return nil, nil, fmt.Errorf("get %s: %w", key, err)
	}
	return obj, nil, nil
}

// cached returns key's cache entry, nil when absent or the cache is not
// filled yet. It does not wait for the cache.
func (s *Store) cached(key string) *entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.tree == nil {
		return nil
	}
	en, _ := s.tree.Get(&entry{key: key})
	return en
}
