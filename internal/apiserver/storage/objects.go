package storage

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime"
)

// Create stores obj at key unless the key exists. obj passes to the store: it
// is written without resourceVersion and returned with the new one set.
func (s *Store) Create(ctx context.Context, key string, obj runtime.Object) (runtime.Object, error) {
	setRV(obj, 0)
	data, err := s.codec.Encode(obj)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", key, err)
	}
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(data))).
		Commit()
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", key, err)
	}
	if !resp.Succeeded {
		return nil, fmt.Errorf("create %s: %w", key, ErrExists)
	}
	setRV(obj, resp.Header.Revision)
	return obj, nil
}

// Get reads key from etcd (a linearizable read).
func (s *Store) Get(ctx context.Context, key string) (runtime.Object, error) {
	kv, err := s.getKV(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	obj, err := s.decode(kv)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	return obj, nil
}

// Update implements Interface.Update. tryUpdate gets an object decoded for
// this call, so it may change and return it.
func (s *Store) Update(ctx context.Context, key string, tryUpdate func(cur runtime.Object) (runtime.Object, error)) (runtime.Object, error) {
	kv, err := s.getKV(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("update %s: %w", key, err)
	}
	for {
		cur, err := s.decode(kv)
		if err != nil {
			return nil, fmt.Errorf("update %s: %w", key, err)
		}
		obj, err := tryUpdate(cur)
		if err != nil {
			return nil, err
		}
		if obj == nil {
			return nil, fmt.Errorf("update %s: tryUpdate returned no object", key)
		}
		setRV(obj, 0)
		data, err := s.codec.Encode(obj)
		if err != nil {
			return nil, fmt.Errorf("update %s: %w", key, err)
		}
		if bytes.Equal(data, kv.Value) {
			// Nothing changed: no write, no new resourceVersion.
			setRV(obj, kv.ModRevision)
			return obj, nil
		}
		resp, err := s.client.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(key), "=", kv.ModRevision)).
			Then(clientv3.OpPut(key, string(data))).
			Else(clientv3.OpGet(key)).
			Commit()
		if err != nil {
			return nil, fmt.Errorf("update %s: %w", key, err)
		}
		if resp.Succeeded {
			setRV(obj, resp.Header.Revision)
			return obj, nil
		}
		// Someone wrote in between: try again on what they wrote.
		if kv, err = elseKV(resp); err != nil {
			return nil, fmt.Errorf("update %s: %w", key, err)
		}
	}
}

// Delete implements Interface.Delete. precondition gets an object decoded for
// this call, which is also the one returned.
func (s *Store) Delete(ctx context.Context, key string, precondition func(cur runtime.Object) error) (runtime.Object, error) {
	kv, err := s.getKV(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("delete %s: %w", key, err)
	}
	for {
		cur, err := s.decode(kv)
		if err != nil {
			return nil, fmt.Errorf("delete %s: %w", key, err)
		}
		if precondition != nil {
			if err := precondition(cur); err != nil {
				return nil, err
			}
		}
		resp, err := s.client.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(key), "=", kv.ModRevision)).
			Then(clientv3.OpDelete(key)).
			Else(clientv3.OpGet(key)).
			Commit()
		if err != nil {
			return nil, fmt.Errorf("delete %s: %w", key, err)
		}
		if resp.Succeeded {
			setRV(cur, resp.Header.Revision)
			return cur, nil
		}
		if kv, err = elseKV(resp); err != nil {
			return nil, fmt.Errorf("delete %s: %w", key, err)
		}
	}
}

func (s *Store) getKV(ctx context.Context, key string) (*mvccpb.KeyValue, error) {
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if len(resp.Kvs) == 0 {
		return nil, ErrNotFound
	}
	return resp.Kvs[0], nil
}

// elseKV returns the key a failed guarded transaction read in its Else branch.
func elseKV(resp *clientv3.TxnResponse) (*mvccpb.KeyValue, error) {
	if len(resp.Responses) == 0 {
		return nil, fmt.Errorf("transaction returned no read")
	}
	r := resp.Responses[0].GetResponseRange()
	if r == nil || len(r.Kvs) == 0 {
		return nil, ErrNotFound
	}
	return r.Kvs[0], nil
}

// decode returns kv's object with resourceVersion set to its mod revision.
func (s *Store) decode(kv *mvccpb.KeyValue) (runtime.Object, error) {
	obj, err := s.codec.Decode(kv.Value)
	if err != nil {
		return nil, err
	}
	setRV(obj, kv.ModRevision)
	return obj, nil
}

// GetCached implements Interface.
func (s *Store) GetCached(ctx context.Context, key string) (runtime.Object, error) {
	if err := s.waitReady(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	e, ok := s.tree.Get(&entry{key: key})
	s.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("get %s from cache: %w", key, ErrNotFound)
	}
	return e.obj, nil
}
