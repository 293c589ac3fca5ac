package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bosun-dev/bosun/bench/internal/harness"
	"github.com/bosun-dev/bosun/internal/agent/images"
	"github.com/bosun-dev/bosun/internal/imagebuild"
)

// busyboxImage is the reference the bench imports its busybox image under.
const busyboxImage = "bosun.dev/busybox:" + imagebuild.BusyboxVersion

// bench is what every phase works with.
type bench struct {
	out        io.Writer
	c          kubernetes.Interface
	rep        *harness.Report
	agent      *agentProc
	kubeconfig string // admin, for kubectl
	ns         string
	image      string
	pods       int
}

func main() {
	var (
		bin   string
		pods  int
		idle  time.Duration
		lines int
	)
	flag.StringVar(&bin, "bosun", "bin/bosun", "path to the bosun binary")
	flag.IntVar(&pods, "pods", 30, "pods created at once")
	flag.DurationVar(&idle, "idle", 30*time.Second, "how long the agent's idle CPU is measured")
	flag.IntVar(&lines, "log-lines", 50, "log lines measured through kubectl logs -f")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := &harness.Report{Out: os.Stdout}
	err := run(ctx, os.Stdout, bin, pods, idle, lines, rep)
	rep.Summary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, bin string, pods int, idle time.Duration, lines int, rep *harness.Report) (err error) {
	if os.Geteuid() != 0 {
		return errors.New("the agent bench runs real containers and needs root")
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("bosun binary: %w (run `make build`)", err)
	}
	if _, err := exec.LookPath("kubectl"); err != nil {
		return fmt.Errorf("the logs figure runs kubectl: %w", err)
	}
	var srv *harness.Server
	if err := harness.Phase(out, "starting server", func() error {
		var err error
		if srv, err = harness.StartServer(bin, "--cluster-cidr", benchClusterCIDR); err != nil {
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
	b := &bench{out: out, c: c, rep: rep, kubeconfig: srv.Kubeconfig(), ns: "bench-agent", image: busyboxImage, pods: pods}
	if err := harness.Phase(out, "starting agent", func() error {
		var err error
		if b.agent, err = startAgent(bin, srv); err != nil {
			return err
		}
		return b.waitNodeReady(ctx, 2*time.Minute)
	}); err != nil {
		if b.agent != nil {
			err = fmt.Errorf("%w%s", err, b.agent.logTail())
			err = errors.Join(err, b.teardown())
		}
		return err
	}
	defer func() { err = errors.Join(err, b.teardown()) }()
	if err := harness.Phase(out, "importing busybox", b.importBusybox); err != nil {
		return err
	}
	if err := b.namespace(ctx); err != nil {
		return err
	}
	if err := b.memory("no pods", false); err != nil {
		return err
	}
	if err := b.startup(ctx, pods); err != nil {
		return err
	}
	// Status and Lease updates after the burst are not idling.
	if err := harness.Phase(out, "settling", func() error { return sleep(ctx, 10*time.Second) }); err != nil {
		return err
	}
	if err := b.memory(fmt.Sprintf("%d pods running", pods), true); err != nil {
		return err
	}
	if err := b.idleCPU(ctx, idle); err != nil {
		return err
	}
	return b.logLatency(ctx, lines)
}

// importBusybox builds a busybox image from the host's busybox-static and
// imports it into the agent's containerd, so pods start without a registry.
func (b *bench) importBusybox() error {
	img, err := imagebuild.Busybox("/usr/bin/busybox")
	if err != nil {
		return fmt.Errorf("build busybox image (apt-get install busybox-static): %w", err)
	}
	var buf bytes.Buffer
	if err := imagebuild.WriteDockerArchive(&buf, map[string]v1.Image{busyboxImage: img}); err != nil {
		return fmt.Errorf("write busybox image: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = images.Import(ctx, b.agent.containerdSocket(), &buf)
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
