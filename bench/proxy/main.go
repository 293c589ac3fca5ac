package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/bosun-dev/bosun/bench/internal/harness"
	"github.com/bosun-dev/bosun/internal/network/proxy"
)

const (
	fullTarget   = 200 * time.Millisecond
	changeTarget = 50 * time.Millisecond
	// fullRuns is how often the whole table is applied.
	fullRuns = 7
)

func main() {
	var services, endpoints, changes int
	flag.IntVar(&services, "services", 1000, "services in the table")
	flag.IntVar(&endpoints, "endpoints", 10, "endpoints per service")
	flag.IntVar(&changes, "changes", 20, "single-endpoint changes timed")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := &harness.Report{Out: os.Stdout}
	err := run(ctx, os.Stdout, rep, services, endpoints, changes)
	rep.Summary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, rep *harness.Report, services, endpoints, changes int) error {
	if os.Geteuid() != 0 {
		return errors.New("the proxy bench programs nftables in a network namespace and needs root")
	}
	ns, err := newNetns()
	if err != nil {
		return err
	}
	defer func() {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: remove netns %s: %v: %s\n", ns, err, out)
		}
	}()
	nft, err := startApplier(ns)
	if err != nil {
		return err
	}
	defer nft.stop()

	state := bigState(services, endpoints)
	name := fmt.Sprintf("%d services × %d endpoints", services, endpoints)
	var script string
	best := time.Duration(1 << 62)
	if err := harness.Phase(out, "rendering "+name, func() error {
		// The best of a few runs, as the first pays for warming up.
		for range 5 {
			start := time.Now()
			script = proxy.Render(state)
			best = min(best, time.Since(start))
		}
		return nil
	}); err != nil {
		return err
	}
	rep.Latency("render whole table (Go)", best, "<", 0)
	rep.Add(harness.Figure{Name: "table script size", Value: fmt.Sprintf("%.1f MiB", float64(len(script))/(1<<20))})
	var wall, cpu []time.Duration
	if err := harness.Phase(out, fmt.Sprintf("applying the whole table through nft %d times", fullRuns), func() error {
		for range fullRuns {
			// Into an empty namespace each time, as the first sync of an agent.
			if _, err := nft.apply(ctx, proxy.CleanupScript()); err != nil {
				return err
			}
			r, err := nft.apply(ctx, script)
			if err != nil {
				return err
			}
			wall, cpu = append(wall, r.wall), append(cpu, r.cpu)
		}
		return nil
	}); err != nil {
		return err
	}
	// The median, as a shared host stretches single runs at random.
	// A full sync is the Go render and nft's apply, one after the other.
	applied := harness.Quantile(harness.Sorted(wall), 0.5)
	rep.Latency("full sync: render + nft -f whole table (median)", best+applied, "<", fullTarget)
	rep.Latency("full sync: nft -f whole table (median)", applied, "<", 0)
	rep.Latency("full sync: nft CPU (user+sys, median)", harness.Quantile(harness.Sorted(cpu), 0.5), "<", 0)
	rep.Latency("full sync: nft CPU (user+sys, best)", harness.Sorted(cpu)[0], "<", 0)
	var times changeTimes
	err = harness.Phase(out, fmt.Sprintf("timing %d single-endpoint changes", changes), func() (err error) {
		times, err = measureChanges(ctx, nft, state, changes)
		return err
	})
	if err == nil {
		times.report(rep)
	}
	rep.Add(harness.Figure{Name: "host load average (1 min)", Value: loadAverage()})
	return err
}

// loadAverage says how busy the machine was: on a shared host the
// wall-clock figures stretch with it, the CPU figures do not.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// newNetns makes a throwaway network namespace, bt-<hex>.
func newNetns() (string, error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	ns := "bt-" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		return "", fmt.Errorf("create netns %s: %v: %s", ns, err, out)
	}
	return ns, nil
}
