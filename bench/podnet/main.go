package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/bosun-dev/bosun/bench/internal/harness"
)

// targetRatio is the least pod-to-pod throughput, as a fraction of the
// veth pair's, that passes.
const targetRatio = 0.90

func main() {
	var (
		duration time.Duration
		rounds   int
	)
	flag.DurationVar(&duration, "duration", 2*time.Second, "length of each throughput measurement")
	flag.IntVar(&rounds, "rounds", 5, "measurements of each path, interleaved; medians are reported")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := &harness.Report{Out: os.Stdout}
	err := run(ctx, os.Stdout, duration, rounds, rep)
	rep.Summary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, duration time.Duration, rounds int, rep *harness.Report) (err error) {
	if os.Geteuid() != 0 {
		return errors.New("the pod network bench creates network namespaces and needs root")
	}
	if rounds < 1 || duration <= 0 {
		return fmt.Errorf("want at least one round of a positive duration, got %d of %v", rounds, duration)
	}
	var n *network
	if err := harness.Phase(out, "building two nodes and a veth pair in network namespaces", func() error {
		var err error
		n, err = build(ctx)
		return err
	}); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, n.remove()) }()

	veth, pod := n.vethPair(), n.podToPod()
	var tput, cost [2][]float64 // [veth, pod] per round: Gbit/s, CPU seconds per GB
	var tputRatio, costRatio []float64
	for r := range rounds {
		for i, p := range []path{veth, pod} {
			if err := harness.Phase(out, fmt.Sprintf("round %d: %s", r+1, p.name), func() error {
				res, err := measure(ctx, p, duration, transferCPU)
				if err == nil {
					fmt.Fprintf(out, "%.2f Gbit/s, %.2f CPU s/GB in ", res.gbps, res.cpuPerGB.Seconds())
					tput[i] = append(tput[i], res.gbps)
					cost[i] = append(cost[i], res.cpuPerGB.Seconds())
				}
				return err
			}); err != nil {
				return err
			}
		}
		// Ratios are taken per round, between measurements seconds
		// apart, so a change of load on a shared machine moves both.
		tputRatio = append(tputRatio, tput[1][r]/tput[0][r])
		costRatio = append(costRatio, cost[0][r]/cost[1][r])
	}
	rep.Add(harness.Figure{Name: "veth pair, one TCP stream", Value: fmt.Sprintf("%.2f Gbit/s", median(tput[0]))})
	rep.Add(harness.Figure{Name: "pod to pod across nodes, one TCP stream", Value: fmt.Sprintf("%.2f Gbit/s", median(tput[1]))})
	rep.Add(harness.Figure{Name: "veth pair, CPU per GB", Value: fmt.Sprintf("%.2f s", median(cost[0]))})
	rep.Add(harness.Figure{Name: "pod to pod across nodes, CPU per GB", Value: fmt.Sprintf("%.2f s", median(cost[1]))})
	// For information: what the throughput ratio is on an idle machine,
	// where a single stream is CPU-bound (see cpu.go).
	rep.Add(harness.Figure{Name: "veth pair / pod to pod, CPU per byte", Value: fmt.Sprintf("%.0f %%", 100*median(costRatio))})
	ratio := median(tputRatio)
	rep.Add(harness.Figure{Name: "pod to pod / veth pair", Value: fmt.Sprintf("%.0f %%", 100*ratio),
		Target: fmt.Sprintf("≥ %.0f %%", 100*targetRatio), Pass: ratio >= targetRatio})
	return nil
}

// median is the middle value of xs (the mean of the two middle ones for an
// even count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
