package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bosun-dev/bosun/bench/internal/harness"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// The benchmarks here run the figures' workloads against an in-process
// server (internal/testenv), so `go test -bench -cpuprofile` profiles
// client and server together. They report the figures' latencies as
// custom metrics; ns/op counts the whole workload.

// BenchmarkWatchFanout creates ConfigMaps seen by 500 watchers.
func BenchmarkWatchFanout(b *testing.B) {
	env := testenv.Start(b, "")
	ctx := context.Background()
	clients, err := clientsets(env.Config, fullSizes.watchConns, true)
	if err != nil {
		b.Fatal(err)
	}
	if err := ensureNamespace(ctx, env.Client, "bench-watch"); err != nil {
		b.Fatal(err)
	}
	var all []time.Duration
	for i := 0; b.Loop(); i++ {
		ns := fmt.Sprintf("bench-watch-%d", i)
		if err := ensureNamespace(ctx, env.Client, ns); err != nil {
			b.Fatal(err)
		}
		ds, err := watchFanout(ctx, clients, ns, fullSizes.watchers, fullSizes.watchCreates, func(string) {})
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, ds...)
	}
	all = harness.Sorted(all)
	b.ReportMetric(float64(harness.Quantile(all, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(harness.Quantile(all, 0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkList10kPods lists 10,000 stored pods in protobuf, undecoded.
func BenchmarkList10kPods(b *testing.B) {
	env := testenv.Start(b, "")
	ctx := context.Background()
	if err := ensureNamespace(ctx, env.Client, "bench-pods"); err != nil {
		b.Fatal(err)
	}
	clients, err := clientsets(protobufConfig(env.Config), fullSizes.podClients, true)
	if err != nil {
		b.Fatal(err)
	}
	if err := storePods(ctx, clients, "bench-pods", fullSizes.pods); err != nil {
		b.Fatal(err)
	}
	var all []time.Duration
	for b.Loop() {
		ds, _, err := listPodsRaw(ctx, clients[0], "bench-pods", 1)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, ds...)
	}
	all = harness.Sorted(all)
	b.ReportMetric(float64(harness.Quantile(all, 0.5).Microseconds())/1000, "p50-ms")
}

// BenchmarkGetAndCreate creates ConfigMaps from 32 clients for a second,
// then gets them by name from 4.
func BenchmarkGetAndCreate(b *testing.B) {
	env := testenv.Start(b, "")
	ctx := context.Background()
	if err := ensureNamespace(ctx, env.Client, "bench"); err != nil {
		b.Fatal(err)
	}
	creators, err := clientsets(env.Config, fullSizes.createClients, true)
	if err != nil {
		b.Fatal(err)
	}
	getters, err := clientsets(env.Config, fullSizes.getClients, true)
	if err != nil {
		b.Fatal(err)
	}
	var creates, gets []time.Duration
	for i := 0; b.Loop(); i++ {
		res, err := createConfigMaps(ctx, creators, "bench", fmt.Sprintf("cm-%d", i), 2000, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		creates = append(creates, res.latencies...)
		ds, err := getConfigMaps(ctx, getters, "bench", res.names, 1000)
		if err != nil {
			b.Fatal(err)
		}
		gets = append(gets, ds...)
	}
	creates, gets = harness.Sorted(creates), harness.Sorted(gets)
	b.ReportMetric(float64(harness.Quantile(creates, 0.99).Microseconds())/1000, "create-p99-ms")
	b.ReportMetric(float64(harness.Quantile(gets, 0.5).Microseconds())/1000, "get-p50-ms")
	b.ReportMetric(float64(harness.Quantile(gets, 0.99).Microseconds())/1000, "get-p99-ms")
}
