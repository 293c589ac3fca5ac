package storage

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
)

func TestEncodingsHoldsFirstResultPerFormat(t *testing.T) {
	var c Encodings
	var calls atomic.Int32
	var wg sync.WaitGroup
	got := make([]string, 20)
	for i := range got {
		wg.Go(func() {
			b, err := c.Do("protobuf", func() ([]byte, error) {
				calls.Add(1)
				return []byte("pb"), nil
			})
			if err != nil {
				t.Error(err)
			}
			got[i] = string(b)
		})
	}
	wg.Wait()
	for _, g := range got {
		if g != "pb" {
			t.Fatalf("got %q", g)
		}
	}
	// Held now: no more encoding, and another format is its own.
	n := calls.Load()
	if b, _ := c.Do("protobuf", func() ([]byte, error) { return []byte("again"), nil }); string(b) != "pb" || calls.Load() != n {
		t.Fatalf("second Do = %q after %d calls", b, calls.Load())
	}
	if b, _ := c.Do("json", func() ([]byte, error) { return []byte("{}"), nil }); string(b) != "{}" {
		t.Fatalf("json = %q", b)
	}
}

func TestEncodingsErrorsAreNotHeld(t *testing.T) {
	var c Encodings
	boom := errors.New("boom")
	if _, err := c.Do("protobuf", func() ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if b, err := c.Do("protobuf", func() ([]byte, error) { return []byte("pb"), nil }); err != nil || string(b) != "pb" {
		t.Fatalf("after an error: %q, %v", b, err)
	}
	var none *Encodings
	if b, err := none.Do("protobuf", func() ([]byte, error) { return []byte("x"), nil }); err != nil || string(b) != "x" {
		t.Fatalf("nil Encodings: %q, %v", b, err)
	}
}

// A cached list's Encodings sit beside its items, one per item, shared by
// later lists of the same object version and new for a changed object.
func TestListEncodingsFollowObjectVersions(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ns := "enc"
	rev := fillConfigMaps(t, s, ns, 6)
	list := func(pred Predicate) *ListResult {
		t.Helper()
		res, err := s.List(t.Context(), Prefix("", "configmaps", ns), ListOptions{ResourceVersion: strconv.FormatInt(rev, 10), Predicate: pred})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Encodings) != len(res.Items) {
			t.Fatalf("%d encodings for %d items", len(res.Encodings), len(res.Items))
		}
		return res
	}
	first := list(nil)
	for i, enc := range first.Encodings {
		if _, err := enc.Do("test", func() ([]byte, error) { return []byte(nameOf(first.Items[i])), nil }); err != nil {
			t.Fatal(err)
		}
	}
	// Filtered: the encodings still belong to their items.
	for i, enc := range list(tierIs("db")).Encodings {
		if b, _ := enc.Do("test", nil); string(b) == "" {
			t.Fatalf("item %d: encoding not shared with the first list", i)
		}
	}
	obj, err := s.Update(t.Context(), cmKey(ns, "cm-001"), func(cur runtime.Object) (runtime.Object, error) {
		cur.(*corev1.ConfigMap).Data = map[string]string{"k": "v"}
		return cur, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rev = mustInt(t, rvOf(t, obj))
	again := list(nil)
	for i, enc := range again.Encodings {
		b, _ := enc.Do("test", func() ([]byte, error) { return []byte("fresh"), nil })
		want := nameOf(again.Items[i])
		if nameOf(again.Items[i]) == "cm-001" {
			want = "fresh" // a new version: nothing held
		}
		if string(b) != want {
			t.Errorf("item %s: held %q, want %q", nameOf(again.Items[i]), b, want)
		}
	}
}

// GetShared answers what Get answers: the cache's object when it holds the
// revision etcd returned, a decoded one (no Encodings) otherwise, and the
// same errors.
func TestGetSharedMatchesGet(t *testing.T) {
	s, client := newTestStore(t, Options{})
	rev := fillConfigMaps(t, s, "shared", 2)
	key := cmKey("shared", "cm-001")
	if _, err := s.List(t.Context(), Prefix("", "configmaps", "shared"), ListOptions{ResourceVersion: strconv.FormatInt(rev, 10)}); err != nil {
		t.Fatal(err) // waits for the cache to hold rev
	}
	want, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	got, enc, err := s.GetShared(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	if enc == nil || got != s.cached(key).obj {
		t.Fatal("cache holds the revision, but its object was not used")
	}
	if !apiequality.Semantic.DeepEqual(got, want) {
		t.Fatalf("GetShared = %+v, want %+v", got, want)
	}

	// A store whose cache is not filled decodes, as Get does.
	cold, err := New(client, NewJSONCodec(scheme.Scheme), Options{Logger: s.log})
	if err != nil {
		t.Fatal(err)
	}
	got, enc, err = cold.GetShared(t.Context(), key)
	if err != nil || enc != nil || !apiequality.Semantic.DeepEqual(got, want) {
		t.Fatalf("cold GetShared = %+v, %v, %v; want %+v", got, enc, err, want)
	}

	// A cache entry at another revision is not used.
	en := s.cached(key)
	stale := &entry{key: key, obj: en.obj, rev: en.rev - 1}
	s.mu.Lock()
	s.tree.ReplaceOrInsert(stale)
	s.mu.Unlock()
	got, enc, err = s.GetShared(t.Context(), key)
	if err != nil || enc != nil || got == en.obj || !apiequality.Semantic.DeepEqual(got, want) {
		t.Fatalf("GetShared with a stale cache entry = %v, %v (shared %v)", enc, err, got == en.obj)
	}
	s.mu.Lock()
	s.tree.ReplaceOrInsert(en)
	s.mu.Unlock()

	if _, _, err := s.GetShared(t.Context(), cmKey("shared", "none")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing key: %v, want ErrNotFound", err)
	}
}

// BenchmarkGetShared compares a get that decodes (Get) with one the cache
// answers (GetShared) for the same 100 pods.
func BenchmarkGetShared(b *testing.B) {
	s, _ := newTestStore(b, Options{})
	fillPods(b, s, 100)
	if _, err := s.List(b.Context(), Prefix("", "pods", "default"), ListOptions{}); err != nil {
		b.Fatal(err) // the cache is current
	}
	key := func(i int) string { return Key("", "pods", "default", fmt.Sprintf("p-%07d", i%100+1)) }
	b.Run("Get", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := s.Get(b.Context(), key(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetShared", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, _, err := s.GetShared(b.Context(), key(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
