package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestCreateGetUpdateDelete(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	key := cmKey("default", "a")

	created, err := s.Create(ctx, key, configMap("default", "a", nil, map[string]string{"v": "1"}))
	if err != nil {
		t.Fatal(err)
	}
	rv1 := rvOf(t, created)
	if rv1 == "" || rv1 == "0" {
		t.Fatalf("create returned resourceVersion %q", rv1)
	}
	if _, err := s.Create(ctx, key, configMap("default", "a", nil, nil)); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}

	got, err := s.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if cm := got.(*corev1.ConfigMap); cm.Data["v"] != "1" || rvOf(t, cm) != rv1 {
		t.Fatalf("get = %+v", cm)
	}
	if _, err := s.Get(ctx, cmKey("default", "missing")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get missing: %v, want ErrNotFound", err)
	}

	updated, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
		cur.(*corev1.ConfigMap).Data["v"] = "2"
		return cur, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rv2 := rvOf(t, updated)
	if n1, n2 := mustInt(t, rv1), mustInt(t, rv2); n2 <= n1 {
		t.Fatalf("update resourceVersion %d not after %d", n2, n1)
	}

	// An update that changes nothing writes nothing.
	same, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) { return cur, nil })
	if err != nil {
		t.Fatal(err)
	}
	if rvOf(t, same) != rv2 {
		t.Fatalf("no-op update moved resourceVersion %s → %s", rv2, rvOf(t, same))
	}

	errStop := errors.New("stop")
	if _, err := s.Update(ctx, key, func(runtime.Object) (runtime.Object, error) { return nil, errStop }); !errors.Is(err, errStop) {
		t.Fatalf("update with failing tryUpdate: %v", err)
	}
	if _, err := s.Update(ctx, cmKey("default", "missing"), func(cur runtime.Object) (runtime.Object, error) { return cur, nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update missing: %v, want ErrNotFound", err)
	}

	if _, err := s.Delete(ctx, key, func(runtime.Object) error { return ErrConflict }); !errors.Is(err, ErrConflict) {
		t.Fatalf("delete with failing precondition: %v", err)
	}
	deleted, err := s.Delete(ctx, key, func(cur runtime.Object) error {
		if rvOf(t, cur) != rv2 {
			return fmt.Errorf("precondition saw resourceVersion %s, want %s", rvOf(t, cur), rv2)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := mustInt(t, rvOf(t, deleted)); n <= mustInt(t, rv2) {
		t.Fatalf("deleted object has resourceVersion %d, want the deletion's", n)
	}
	if deleted.(*corev1.ConfigMap).Data["v"] != "2" {
		t.Fatalf("deleted object lost its last state: %+v", deleted)
	}
	if _, err := s.Delete(ctx, key, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete missing: %v, want ErrNotFound", err)
	}
}

func TestStoredValueHasNoResourceVersion(t *testing.T) {
	s, c := newTestStore(t, Options{})
	key := cmKey("default", "a")
	obj := configMap("default", "a", nil, nil)
	obj.ResourceVersion = "12345"
	if _, err := s.Create(t.Context(), key, obj); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	if v := string(resp.Kvs[0].Value); contains(v, "resourceVersion") {
		t.Fatalf("stored value carries a resourceVersion: %s", v)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// Concurrent read-modify-write updates must not lose increments.
func TestUpdateRetriesOnConflict(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	key := cmKey("default", "counter")
	if _, err := s.Create(ctx, key, configMap("default", "counter", nil, map[string]string{"n": "0"})); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				_, err := s.Update(ctx, key, func(cur runtime.Object) (runtime.Object, error) {
					cm := cur.(*corev1.ConfigMap)
					n, _ := strconv.Atoi(cm.Data["n"])
					cm.Data["n"] = strconv.Itoa(n + 1)
					return cm, nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, err := s.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if n := got.(*corev1.ConfigMap).Data["n"]; n != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %s, want %d", n, workers*each)
	}
}

func TestCustomResource(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	key := Key("example.com", "widgets", "default", "w")
	if _, err := s.Create(ctx, key, widget("default", "w", 3)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := got.(*unstructured.Unstructured)
	if !ok {
		t.Fatalf("got %T, want *unstructured.Unstructured", got)
	}
	if size, _, _ := unstructured.NestedInt64(u.Object, "spec", "size"); size != 3 {
		t.Fatalf("spec.size = %d (%T)", size, u.Object["spec"].(map[string]any)["size"])
	}
	if u.GetResourceVersion() == "" {
		t.Fatal("no resourceVersion")
	}
	list, err := s.List(ctx, Prefix("example.com", "widgets", ""), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || nameOf(list.Items[0]) != "w" {
		t.Fatalf("list = %v", names(list.Items))
	}
}

func mustInt(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("resourceVersion %q: %v", s, err)
	}
	return n
}

func TestGetCachedFollowsWrites(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	create(t, s, "a", "cached", nil)
	ctx := context.Background()
	key := Key("", "configmaps", "a", "cached")
	deadline := time.Now().Add(5 * time.Second)
	for {
		obj, err := s.GetCached(ctx, key)
		if err == nil && nameOf(obj) == "cached" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cache never showed the object: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := s.GetCached(ctx, Key("", "configmaps", "a", "missing")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing key: %v, want ErrNotFound", err)
	}
}
