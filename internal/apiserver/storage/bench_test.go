package storage

import (
	"context"
	"fmt"
	goruntime "runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
)

// latencies collects operation durations from many goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	p := func(q float64) float64 {
		return float64(l.d[min(len(l.d)-1, int(q*float64(len(l.d))))].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.5), name+"-p50-ms")
	b.ReportMetric(p(0.99), name+"-p99-ms")
}

func BenchmarkCodec(b *testing.B) {
	codec := NewJSONCodec(scheme.Scheme)
	p := pod("default", 1)
	data, err := codec.Encode(p)
	if err != nil {
		b.Fatal(err)
	}
	w, _ := codec.Encode(widget("default", "w", 1))
	b.Run("decode-pod", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-custom-resource", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.Decode(w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode-pod", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.Encode(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCreate writes pods from 32 concurrent clients to an etcd that
// fsyncs, as a server would.
func BenchmarkCreate(b *testing.B) {
	client := startEtcd(b, true)
	s := startStore(b, client, Options{})
	var n atomic.Int64
	var lat latencies
	b.SetParallelism(max(1, 32/goruntime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			t0 := time.Now()
			if _, err := s.Create(context.Background(), Key("", "pods", "default", fmt.Sprintf("p-%07d", i)), pod("default", i)); err != nil {
				b.Error(err)
				return
			}
			lat.add(time.Since(t0))
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "creates/s")
	lat.report(b, "create")
}

// fillPods creates n pods in namespace default and waits for the cache.
func fillPods(b *testing.B, s *Store, n int) {
	b.Helper()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				if _, err := s.Create(context.Background(), Key("", "pods", "default", fmt.Sprintf("p-%07d", i)), pod("default", i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if _, err := s.List(context.Background(), Root, ListOptions{Limit: 1}); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkGet(b *testing.B) {
	s, _ := newTestStore(b, Options{})
	fillPods(b, s, 100)
	var lat latencies
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		t0 := time.Now()
		if _, err := s.Get(context.Background(), Key("", "pods", "default", fmt.Sprintf("p-%07d", i%100+1))); err != nil {
			b.Fatal(err)
		}
		lat.add(time.Since(t0))
	}
	lat.report(b, "get")
}

// BenchmarkList10kPods lists 10,000 pods from the cache, consistently (the
// default) and from whatever the cache holds ("0"), and with a selector.
func BenchmarkList10kPods(b *testing.B) {
	s, _ := newTestStore(b, Options{})
	goruntime.GC()
	var before goruntime.MemStats
	goruntime.ReadMemStats(&before)
	fillPods(b, s, 10000)
	goruntime.GC()
	var after goruntime.MemStats
	goruntime.ReadMemStats(&after)
	b.Logf("heap grew by %.1f MiB for 10,000 cached pods (etcd is in the same process)", float64(after.HeapAlloc-before.HeapAlloc)/(1<<20))
	prefix := Prefix("", "pods", "default")
	for _, tt := range []struct {
		name string
		opts ListOptions
		want int
	}{
		{"consistent", ListOptions{}, 10000},
		{"rv0", ListOptions{ResourceVersion: "0"}, 10000},
		{"node-selector", ListOptions{Predicate: onNode("node-7")}, 200},
		{"limit500", ListOptions{Limit: 500}, 500},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := s.List(context.Background(), prefix, tt.opts)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Items) != tt.want {
					b.Fatalf("listed %d, want %d", len(res.Items), tt.want)
				}
			}
		})
	}
}

func onNode(node string) Predicate {
	return func(obj runtime.Object) bool { return podNode(obj) == node }
}

// BenchmarkWatchFanout measures how long each of 500 watchers takes to see a
// created pod.
func BenchmarkWatchFanout(b *testing.B) {
	s, _ := newTestStore(b, Options{})
	const watchers = 500
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var lat latencies
	var seen sync.WaitGroup
	var created atomic.Pointer[time.Time]
	for range watchers {
		ch, err := s.Watch(ctx, Prefix("", "pods", ""), WatchOptions{})
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			for ev := range ch {
				if ev.Type == Added {
					lat.add(time.Since(*created.Load()))
					seen.Done()
				}
			}
		}()
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		seen.Add(watchers)
		now := time.Now()
		created.Store(&now)
		if _, err := s.Create(ctx, Key("", "pods", "default", fmt.Sprintf("p-%07d", i)), pod("default", i)); err != nil {
			b.Fatal(err)
		}
		seen.Wait()
	}
	lat.report(b, "watch")
}
