package storage

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestMemoEncodesOncePerKey(t *testing.T) {
	var m Memo
	var calls atomic.Int32
	encode := func(s string) func() ([]byte, error) {
		return func() ([]byte, error) {
			calls.Add(1)
			return []byte(s), nil
		}
	}
	var wg sync.WaitGroup
	got := make([][]byte, 50)
	for i := range got {
		wg.Go(func() {
			b, err := m.Do("json ADDED", encode("frame"))
			if err != nil {
				t.Error(err)
			}
			got[i] = b
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("encoded %d times, want once", n)
	}
	for _, b := range got {
		if string(b) != "frame" {
			t.Fatalf("got %q, want frame", b)
		}
	}
	if b, _ := m.Do("protobuf ADDED", encode("other")); string(b) != "other" || calls.Load() != 2 {
		t.Fatalf("another key: got %q after %d encodings", b, calls.Load())
	}
	runtime.KeepAlive(got)
}

func TestMemoDropsUnusedEncodings(t *testing.T) {
	var m Memo
	calls := 0
	encode := func() ([]byte, error) { calls++; return make([]byte, 1<<20), nil }
	if _, err := m.Do("k", encode); err != nil {
		t.Fatal(err)
	}
	// Nobody holds the encoding any more: a collection may drop it, and a
	// later caller then encodes again instead of pinning it forever.
	runtime.GC()
	runtime.GC()
	if _, err := m.Do("k", encode); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("encoded %d times, want 2 (the first encoding collected)", calls)
	}
}

func TestNilMemoEncodesEveryTime(t *testing.T) {
	var m *Memo
	calls := 0
	for range 2 {
		if _, err := m.Do("k", func() ([]byte, error) { calls++; return []byte("x"), nil }); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 2 {
		t.Fatalf("encoded %d times, want 2", calls)
	}
}
