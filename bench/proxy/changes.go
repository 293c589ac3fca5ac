package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/bosun-dev/bosun/bench/internal/harness"
	"github.com/bosun-dev/bosun/internal/network/proxy"
)

// applied is one transaction the Proxier made, and when nft returned.
type applied struct {
	script string
	res    applyRes
	at     time.Time
}

// changeTimes are the sorted measurements of single endpoint changes.
type changeTimes struct {
	latency, nftCPU, proxierCPU []time.Duration
}

func (c changeTimes) report(rep *harness.Report) {
	rep.Latency("endpoint change → kernel p50", harness.Quantile(c.latency, 0.5), "<", changeTarget)
	rep.Latency("endpoint change → kernel p90", harness.Quantile(c.latency, 0.9), "<", 0)
	rep.Latency("endpoint change: nft CPU p50", harness.Quantile(c.nftCPU, 0.5), "<", 0)
	rep.Latency("endpoint change: informer+Proxier CPU p50", harness.Quantile(c.proxierCPU, 0.5), "<", 0)
}

// measureChanges runs a Proxier over the state and times single endpoint
// changes (one endpoint of one service turning not ready, or back) from
// the EndpointSlice update to nft returning with it applied.
func measureChanges(ctx context.Context, nft *applier, state proxy.State, changes int) (changeTimes, error) {
	var objs []runtime.Object
	for _, s := range state.Services {
		objs = append(objs, s)
	}
	for _, s := range state.EndpointSlices {
		objs = append(objs, s)
	}
	client := fake.NewClientset(objs...)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	factory := informers.NewSharedInformerFactory(client, 0)
	defer factory.Shutdown()
	results := make(chan applied, 64)
	var goCPU time.Duration // the bench process's CPU when the last script reached Apply
	p := proxy.New(proxy.Config{
		Informers: factory, NodeName: state.NodeName, ClusterCIDR: state.ClusterCIDR,
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		ForgetUDP: nft.forgetUDP,
		Apply: func(ctx context.Context, script string) error {
			goCPU = processCPU()
			r, err := nft.apply(ctx, script)
			results <- applied{script: script, res: r, at: time.Now()}
			return err
		},
	})
	factory.Start(ctx.Done())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if _, err := waitApplied(results, "table ip "+proxy.TableName); err != nil {
		return changeTimes{}, fmt.Errorf("first sync: %w", err)
	}

	var lat, cpu, proxierCPU []time.Duration
	n := len(state.Services)
	for k := range changes {
		i := (k * 37) % n
		// Odd rounds turn endpoint 3 of service i not ready, even ones back.
		notReady := -1
		if k%2 == 0 {
			notReady = 3
		}
		sl := endpointSlice(i, len(state.EndpointSlices[i].Endpoints), notReady)
		if k%2 == 1 {
			i = ((k - 1) * 37) % n
			sl = endpointSlice(i, len(state.EndpointSlices[i].Endpoints), -1)
		}
		start, startCPU := time.Now(), processCPU()
		if _, err := client.DiscoveryV1().EndpointSlices(sl.Namespace).Update(ctx, sl, metav1.UpdateOptions{}); err != nil {
			return changeTimes{}, fmt.Errorf("update slice %s: %w", sl.Name, err)
		}
		a, err := waitApplied(results, fmt.Sprintf("bench/svc-%d/", i))
		if err != nil {
			return changeTimes{}, fmt.Errorf("change %d: %w", k, err)
		}
		lat = append(lat, a.at.Sub(start))
		cpu = append(cpu, a.res.cpu)
		// goCPU was written before the result was sent, so reading it
		// after receiving is ordered.
		proxierCPU = append(proxierCPU, goCPU-startCPU)
	}
	return changeTimes{harness.Sorted(lat), harness.Sorted(cpu), harness.Sorted(proxierCPU)}, nil
}

// waitApplied returns the first successful transaction mentioning want.
func waitApplied(results <-chan applied, want string) (applied, error) {
	timeout := time.After(60 * time.Second)
	for {
		select {
		case a := <-results:
			if a.res.err != nil {
				return a, a.res.err
			}
			if strings.Contains(a.script, want) {
				return a, nil
			}
		case <-timeout:
			return applied{}, fmt.Errorf("no transaction with %q within 60 s", want)
		}
	}
}

// processCPU is the CPU the bench process (not its children) has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
