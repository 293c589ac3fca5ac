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
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/bosun-dev/bosun/bench/internal/harness"
)

// sizes are the scales a run uses.
type sizes struct {
	nodes, deployments, replicas, rollout, failReplicas int
}

var (
	fullSizes  = sizes{nodes: 1000, deployments: 100, replicas: 100, rollout: 1000, failReplicas: 100}
	quickSizes = sizes{nodes: 50, deployments: 10, replicas: 20, rollout: 100, failReplicas: 20}
	phases     = []string{"schedule", "spread", "rollout", "nodefail"}
)

func main() {
	var (
		bin   string
		quick bool
		skip  string
	)
	flag.StringVar(&bin, "bosun", "bin/bosun", "path to the bosun binary")
	flag.BoolVar(&quick, "quick", false, "small sizes, for a smoke run")
	flag.StringVar(&skip, "skip", "", "comma-separated phases to skip: "+strings.Join(phases, ","))
	flag.Parse()
	sz := fullSizes
	if quick {
		sz = quickSizes
	}
	skipped := map[string]bool{}
	for _, p := range strings.Split(skip, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !slices.Contains(phases, p) {
			fmt.Fprintf(os.Stderr, "-skip: unknown phase %q (phases: %s)\n", p, strings.Join(phases, ","))
			os.Exit(2)
		}
		skipped[p] = true
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := &harness.Report{Out: os.Stdout}
	err := run(ctx, os.Stdout, bin, sz, skipped, rep)
	rep.Summary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// run starts a server (10 s node grace period, as the node-failure figure
// asks) and the simulated nodes, then measures each phase not skipped.
func run(ctx context.Context, out io.Writer, bin string, sz sizes, skip map[string]bool, rep *harness.Report) (err error) {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("bosun binary: %w (run `make build`)", err)
	}
	var srv *harness.Server
	if err := harness.Phase(out, "starting server", func() error {
		var err error
		if srv, err = harness.StartServer(bin, "--node-monitor-grace-period", "10s"); err != nil {
			return err
		}
		_, err = srv.WaitReady(time.Now(), 60*time.Second)
		return err
	}); err != nil {
		if srv != nil {
			err = errors.Join(err, srv.Stop())
		}
		return err
	}
	defer func() { err = errors.Join(err, srv.Stop()) }()
	rc, err := harness.ClientConfig(srv.Kubeconfig())
	if err != nil {
		return err
	}
	c, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	var sim *simNodes
	if err := harness.Phase(out, fmt.Sprintf("starting %d simulated nodes", sz.nodes), func() error {
		var err error
		if sim, err = startSim(bin, srv.Kubeconfig(), sz.nodes, srv.Kubeconfig()); err != nil {
			return err
		}
		return waitNodesReady(ctx, c, sim, sz.nodes, 2*time.Minute)
	}); err != nil {
		if sim != nil {
			err = errors.Join(err, sim.stop())
		}
		return err
	}
	defer func() { err = errors.Join(err, sim.stop()) }()
	t, err := startTracker(ctx, c)
	if err != nil {
		return err
	}
	b := &bench{out: out, c: c, t: t, rep: rep, sz: sz}
	if !skip["schedule"] {
		if err := b.schedule(ctx, "schedule", false, 500); err != nil {
			return err
		}
	}
	if !skip["spread"] {
		if err := b.schedule(ctx, "spread", true, 150); err != nil {
			return err
		}
	}
	if !skip["rollout"] {
		if err := b.rollout(ctx); err != nil {
			return err
		}
	}
	if !skip["nodefail"] {
		if err := b.nodeFailure(ctx); err != nil {
			return err
		}
	}
	return nil
}
