package storage

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
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
