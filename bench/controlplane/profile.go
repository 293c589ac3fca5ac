package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"k8s.io/client-go/kubernetes"
)

// profiler fetches CPU profiles of the server while a phase runs, so the
// cost of a phase can be read where it is spent (the scheduler, the
// controllers and the API server share the server process). The server
// serves /debug/pprof only when started with BOSUN_PPROF=1 in its
// environment, which it inherits from the bench.
type profiler struct {
	prefix  string        // file name prefix; "" turns profiling off
	seconds time.Duration // length of each profile
}

// start begins a CPU profile named after phase and returns a wait for it to
// be written; the profile covers the phase's first p.seconds.
func (p profiler) start(ctx context.Context, c kubernetes.Interface, phase string) (wait func() error) {
	if p.prefix == "" {
		return func() error { return nil }
	}
	done := make(chan error, 1)
	go func() {
		body, err := c.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/profile").
			Param("seconds", strconv.Itoa(int(p.seconds.Seconds()))).
			Timeout(p.seconds + time.Minute).Do(ctx).Raw()
		if err != nil {
			done <- fmt.Errorf("cpu profile of %s (is BOSUN_PPROF=1 set?): %w", phase, err)
			return
		}
		path := p.prefix + phase + ".pprof"
		if err := os.WriteFile(path, body, 0o644); err != nil {
			done <- fmt.Errorf("write cpu profile: %w", err)
			return
		}
		done <- nil
	}()
	return func() error { return <-done }
}
