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
	nodes, deployments, replicas, rollout int
	failNodes, failReplicas               int
}

var (
	fullSizes  = sizes{nodes: 1000, deployments: 100, replicas: 100, rollout: 1000, failNodes: 100, failReplicas: 100}
	quickSizes = sizes{nodes: 50, deployments: 10, replicas: 20, rollout: 100, failNodes: 10, failReplicas: 20}
	phases     = []string{"schedule", "spread", "rollout", "nodefail"}
)

func main() {
	var (
		bin   string
		quick bool
		skip  string
		prof  profiler
	)
	flag.StringVar(&bin, "bosun", "bin/bosun", "path to the bosun binary")
	flag.BoolVar(&quick, "quick", false, "small sizes, for a smoke run")
	flag.StringVar(&skip, "skip", "", "comma-separated phases to skip: "+strings.Join(phases, ","))
	flag.StringVar(&prof.prefix, "cpuprofile", "", "write a server CPU profile of each scheduling phase to <prefix><phase>.pprof (needs BOSUN_PPROF=1)")
	flag.DurationVar(&prof.seconds, "cpuprofile-duration", 20*time.Second, "length of each -cpuprofile profile")
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
	err := run(ctx, os.Stdout, bin, sz, skipped, rep, prof)
	rep.Summary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// run measures each phase not skipped: the scheduling and rollout phases on
// a cluster of sz.nodes nodes with Kubernetes' timings, node failure on a
// small cluster of its own whose server marks nodes silent for 10 s
// Unknown (the figure's grace period; 1,000 nodes renewing Leases every 2 s
// would be a load no real cluster has).
func run(ctx context.Context, out io.Writer, bin string, sz sizes, skip map[string]bool, rep *harness.Report, prof profiler) (err error) {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("bosun binary: %w (run `make build`)", err)
	}
	if !skip["schedule"] || !skip["spread"] || !skip["rollout"] {
		b, stop, err := startCluster(ctx, out, bin, sz.nodes, nil, nil)
		if err != nil {
			return err
		}
		b.rep, b.sz, b.prof = rep, sz, prof
		err = func() error {
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
				return b.rollout(ctx)
			}
			return nil
		}()
		if err = errors.Join(err, stop()); err != nil {
			return err
		}
	}
	if !skip["nodefail"] {
		b, stop, err := startCluster(ctx, out, bin, sz.failNodes,
			[]string{"--node-monitor-grace-period", "10s"}, []string{"--lease-interval", "2s"})
		if err != nil {
			return err
		}
		b.rep, b.sz = rep, sz
		return errors.Join(b.nodeFailure(ctx), stop())
	}
	return nil
}

// startCluster starts a server (extra flags serverArgs) and n simulated
// nodes (extra flags simArgs) and returns a bench on them and how to stop both.
func startCluster(ctx context.Context, out io.Writer, bin string, n int, serverArgs, simArgs []string) (*bench, func() error, error) {
	var srv *harness.Server
	if err := harness.Phase(out, "starting server", func() error {
		var err error
		if srv, err = harness.StartServer(bin, serverArgs...); err != nil {
			return err
		}
		_, err = srv.WaitReady(time.Now(), 60*time.Second)
		return err
	}); err != nil {
		if srv != nil {
			err = errors.Join(err, srv.Stop())
		}
		return nil, nil, err
	}
	var sim *simNodes
	stop := func() error {
		var err error
		if sim != nil {
			err = sim.stop()
		}
		return errors.Join(err, srv.Stop())
	}
	rc, err := harness.ClientConfig(srv.Kubeconfig())
	if err != nil {
		return nil, nil, errors.Join(err, stop())
	}
	// The bench watches every pod on the same cores as the cluster; protobuf
	// keeps its own share small.
	rc.ContentType = "application/vnd.kubernetes.protobuf"
	rc.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	c, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, nil, errors.Join(err, stop())
	}
	if err := harness.Phase(out, fmt.Sprintf("starting %d simulated nodes", n), func() error {
		var err error
		if sim, err = startSim(bin, srv.Kubeconfig(), n, srv.Kubeconfig(), simArgs...); err != nil {
			return err
		}
		return waitNodesReady(ctx, c, sim, n, 2*time.Minute)
	}); err != nil {
		return nil, nil, errors.Join(err, stop())
	}
	t, err := startTracker(ctx, c)
	if err != nil {
		return nil, nil, errors.Join(err, stop())
	}
	return &bench{out: out, c: c, t: t, sim: sim}, stop, nil
}
