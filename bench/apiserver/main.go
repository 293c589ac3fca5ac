package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/bosun-dev/bosun/bench/internal/harness"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
)

// sizes are how much work each figure does.
type sizes struct {
	coldStarts     int
	createClients  int
	createLimit    int
	createDuration time.Duration
	gets           int
	getClients     int
	pods           int
	podClients     int
	lists          int
	watchers       int
	watchConns     int
	watchCreates   int
}

var (
	fullSizes = sizes{
		coldStarts: 3, createClients: 32, createLimit: 20000, createDuration: 10 * time.Second,
		gets: 5000, getClients: 4, pods: 10000, podClients: 32, lists: 5,
		watchers: 500, watchConns: 4, watchCreates: 10,
	}
	quickSizes = sizes{
		coldStarts: 1, createClients: 8, createLimit: 500, createDuration: 2 * time.Second,
		gets: 200, getClients: 2, pods: 300, podClients: 8, lists: 2,
		watchers: 20, watchConns: 2, watchCreates: 3,
	}
)

var phases = []string{"coldstart", "create", "get", "list", "rss", "watch"}

// options are the command line.
type options struct {
	bosun string
	sizes sizes
	skip  map[string]bool
	// conns is how the create clients connect: "own" (a connection per
	// client), "shared" (one multiplexed HTTP/2 connection) or "both".
	conns string
}

func main() {
	var (
		opts  options
		quick bool
		skip  string
	)
	flag.StringVar(&opts.bosun, "bosun", "bin/bosun", "path to the bosun binary")
	flag.BoolVar(&quick, "quick", false, "small sizes, for a smoke run")
	flag.StringVar(&skip, "skip", "", "comma-separated phases to skip: "+strings.Join(phases, ","))
	flag.StringVar(&opts.conns, "create-conns", "both", "create clients' connections: own (one each), shared (one HTTP/2 connection) or both")
	flag.Parse()
	opts.sizes = fullSizes
	if quick {
		opts.sizes = quickSizes
	}
	var err error
	if opts.skip, err = parseSkip(skip); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if !slices.Contains([]string{"own", "shared", "both"}, opts.conns) {
		fmt.Fprintf(os.Stderr, "-create-conns: want own, shared or both, got %q\n", opts.conns)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := &harness.Report{Out: os.Stdout}
	err = run(ctx, os.Stdout, opts, rep)
	rep.Summary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func parseSkip(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(phases, p) {
			return nil, fmt.Errorf("-skip: unknown phase %q (phases: %s)", p, strings.Join(phases, ","))
		}
		out[p] = true
	}
	return out, nil
}

// run measures every phase not skipped, adding figures to rep. It stops at
// the first error: a failing server makes later numbers meaningless.
func run(ctx context.Context, out io.Writer, opts options, rep *harness.Report) (err error) {
	sz := opts.sizes
	if _, err := os.Stat(opts.bosun); err != nil {
		return fmt.Errorf("bosun binary: %w (run `make build`)", err)
	}
	if !opts.skip["coldstart"] {
		if err := coldStart(out, opts.bosun, sz.coldStarts, rep); err != nil {
			return err
		}
	}
	if !slices.ContainsFunc(phases[1:], func(p string) bool { return !opts.skip[p] }) {
		return nil
	}

	var srv *harness.Server
	if err := harness.Phase(out, "starting server", func() error {
		var err error
		// The API server alone: these figures are its own, and a scheduler
		// would otherwise chase 10,000 node-less pods through the run
		// (bench/controlplane measures the rest).
		if srv, err = harness.StartServer(opts.bosun, "--components", "apiserver"); err != nil {
			return err
		}
		_, err = srv.WaitReady(time.Now(), 60*time.Second)
		return err
	}); err != nil {
		if srv != nil {
			_ = srv.Stop()
		}
		return err
	}
	defer func() {
		if serr := srv.Stop(); serr != nil {
			err = errors.Join(err, serr)
		}
	}()
	rc, err := harness.ClientConfig(srv.Kubeconfig())
	if err != nil {
		return err
	}
	admin, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	for _, ns := range []string{"bench", "bench-pods", "bench-watch"} {
		if err := ensureNamespace(ctx, admin, ns); err != nil {
			return err
		}
	}

	var names []string
	if !opts.skip["create"] {
		modes := []string{opts.conns}
		if opts.conns == "both" {
			modes = []string{"own", "shared"}
		}
		for _, mode := range modes {
			clients, err := clientsets(rc, sz.createClients, mode == "own")
			if err != nil {
				return err
			}
			var res createResult
			what := fmt.Sprintf("creating ConfigMaps from %d clients, %s connections (up to %d or %s)", sz.createClients, mode, sz.createLimit, sz.createDuration)
			if err := harness.Phase(out, what, func() error {
				var err error
				res, err = createConfigMaps(ctx, clients, "bench", "cm-"+mode, sz.createLimit, sz.createDuration)
				return err
			}); err != nil {
				return err
			}
			names = append(names, res.names...)
			label := "create " + mode + " conns"
			rate := res.rate()
			rep.Add(harness.Figure{Name: label + ": throughput", Value: fmt.Sprintf("%.0f /s", rate), Target: "≥ 2000 /s", Pass: rate >= 2000})
			rep.Latency(label+": p50", harness.Quantile(res.latencies, 0.50), "", 0)
			rep.Latency(label+": p99", harness.Quantile(res.latencies, 0.99), "<", 50*time.Millisecond)
		}
	}

	if !opts.skip["get"] {
		if len(names) == 0 {
			// create was skipped: make a few to get.
			clients, err := clientsets(rc, 4, false)
			if err != nil {
				return err
			}
			res, err := createConfigMaps(ctx, clients, "bench", "cm-get", 200, time.Minute)
			if err != nil {
				return err
			}
			names = res.names
		}
		clients, err := clientsets(rc, sz.getClients, true)
		if err != nil {
			return err
		}
		var lats []time.Duration
		if err := harness.Phase(out, fmt.Sprintf("getting %d ConfigMaps by name from %d clients", sz.gets, sz.getClients), func() error {
			lats, err = getConfigMaps(ctx, clients, "bench", names, sz.gets)
			return err
		}); err != nil {
			return err
		}
		rep.Latency("get by name: p50", harness.Quantile(lats, 0.50), "", 0)
		rep.Latency("get by name: p99", harness.Quantile(lats, 0.99), "<", 2*time.Millisecond)
	}

	if !opts.skip["list"] || !opts.skip["rss"] {
		clients, err := clientsets(protobufConfig(rc), sz.podClients, true)
		if err != nil {
			return err
		}
		if err := harness.Phase(out, fmt.Sprintf("storing %d pods from %d clients", sz.pods, sz.podClients), func() error {
			return storePods(ctx, clients, "bench-pods", sz.pods)
		}); err != nil {
			return err
		}
	}
	if !opts.skip["list"] {
		if err := listFigures(ctx, out, rc, sz, rep); err != nil {
			return err
		}
	}
	if !opts.skip["rss"] {
		var mem harness.Memory
		if err := harness.Phase(out, "letting the server settle, reading its memory", func() error {
			select {
			case <-time.After(3 * time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
			var err error
			mem, err = srv.Memory()
			return err
		}); err != nil {
			return err
		}
		if len(names) == 0 {
			label := fmt.Sprintf("server RSS, %d pods stored", sz.pods)
			rep.Add(harness.Figure{Name: label, Value: harness.MiB(mem.RSS), Target: "< 400 MiB", Pass: mem.RSS < 400<<20})
		} else {
			label := fmt.Sprintf("server RSS, %d pods + %d ConfigMaps stored", sz.pods, len(names))
			rep.Add(harness.Figure{Name: label, Value: harness.MiB(mem.RSS)})
		}
		rep.Add(harness.Figure{Name: "server RSS: anonymous / file-backed", Value: harness.MiB(mem.Anon) + " / " + harness.MiB(mem.File)})
		rep.Add(harness.Figure{Name: "server peak RSS (VmHWM) so far", Value: harness.MiB(mem.Peak)})
		if err := serverFigures(ctx, admin, rep); err != nil {
			return err
		}
		if len(names) > 0 {
			// The create phase left its ConfigMaps stored; the figure asks
			// for a server holding the pods, so a fresh one is measured.
			if err := podsOnlyRSS(ctx, out, opts, rep); err != nil {
				return err
			}
		}
	}

	if !opts.skip["watch"] {
		clients, err := clientsets(rc, sz.watchConns, true)
		if err != nil {
			return err
		}
		var delays []time.Duration
		if err := harness.Phase(out, fmt.Sprintf("%d watchers on %d connections, %d creates", sz.watchers, sz.watchConns, sz.watchCreates), func() error {
			var err error
			delays, err = watchFanout(ctx, clients, "bench-watch", sz.watchers, sz.watchCreates, func(s string) { fmt.Fprint(out, s) })
			return err
		}); err != nil {
			return err
		}
		label := fmt.Sprintf("watch fan-out to %d", sz.watchers)
		rep.Latency(label+": p50", harness.Quantile(delays, 0.50), "", 0)
		rep.Latency(label+": p99", harness.Quantile(delays, 0.99), "<", 100*time.Millisecond)
		rep.Latency(label+": max", harness.Quantile(delays, 1), "", 0)
	}
	return nil
}

// coldStart starts the server n times on fresh data dirs and reports the
// median and slowest time from exec to /readyz answering 200.
func coldStart(out io.Writer, bin string, n int, rep *harness.Report) error {
	var ds []time.Duration
	for i := range n {
		var d time.Duration
		if err := harness.Phase(out, fmt.Sprintf("cold start %d of %d", i+1, n), func() error {
			start := time.Now()
			srv, err := harness.StartServer(bin)
			if err != nil {
				return err
			}
			d, err = srv.WaitReady(start, 60*time.Second)
			return errors.Join(err, srv.Stop())
		}); err != nil {
			return err
		}
		ds = append(ds, d)
	}
	ds = harness.Sorted(ds)
	rep.Latency("cold start to /readyz: median", harness.Quantile(ds, 0.5), "<", 1500*time.Millisecond)
	rep.Latency("cold start to /readyz: max", harness.Quantile(ds, 1), "<", 1500*time.Millisecond)
	return nil
}

// podsOnlyRSS measures the resident memory of a fresh API server that holds
// sz.pods pods and nothing else of the bench's.
func podsOnlyRSS(ctx context.Context, out io.Writer, opts options, rep *harness.Report) (err error) {
	sz := opts.sizes
	var srv *harness.Server
	var mem harness.Memory
	err = harness.Phase(out, fmt.Sprintf("fresh server: storing %d pods, letting it settle, reading its memory", sz.pods), func() error {
		var err error
		if srv, err = harness.StartServer(opts.bosun, "--components", "apiserver"); err != nil {
			return err
		}
		if _, err = srv.WaitReady(time.Now(), 60*time.Second); err != nil {
			return err
		}
		rc, err := harness.ClientConfig(srv.Kubeconfig())
		if err != nil {
			return err
		}
		admin, err := kubernetes.NewForConfig(rc)
		if err != nil {
			return err
		}
		if err := ensureNamespace(ctx, admin, "bench-pods"); err != nil {
			return err
		}
		clients, err := clientsets(protobufConfig(rc), sz.podClients, true)
		if err != nil {
			return err
		}
		if err := storePods(ctx, clients, "bench-pods", sz.pods); err != nil {
			return err
		}
		select {
		case <-time.After(3 * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
		mem, err = srv.Memory()
		return err
	})
	if srv != nil {
		err = errors.Join(err, srv.Stop())
	}
	if err != nil {
		return err
	}
	rep.Add(harness.Figure{Name: fmt.Sprintf("server RSS, %d pods stored", sz.pods), Value: harness.MiB(mem.RSS), Target: "< 400 MiB", Pass: mem.RSS < 400<<20})
	return nil
}
