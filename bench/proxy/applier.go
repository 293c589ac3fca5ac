package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bosun-dev/bosun/internal/network/proxy"
)

// applier runs nft (and conntrack cleanup) inside the bench's namespace
// the way the agent does in its own: from a thread already in that
// namespace (children are born in their parent thread's namespace, sockets
// in their creator's), so no nsenter or `ip netns exec` is timed.
type applier struct {
	reqs chan func()
}

type applyRes struct {
	wall, cpu time.Duration
	err       error
}

func startApplier(ns string) (*applier, error) {
	a := &applier{reqs: make(chan func())}
	ready := make(chan error)
	go func() {
		// Never unlocked: the thread leaves with the goroutine instead of
		// going back to the scheduler in the bench's namespace.
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + ns)
		if err != nil {
			ready <- err
			return
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			ready <- fmt.Errorf("enter netns %s: %w", ns, err)
			return
		}
		close(ready)
		for fn := range a.reqs {
			fn()
		}
	}()
	if err := <-ready; err != nil {
		return nil, err
	}
	return a, nil
}

func (a *applier) apply(ctx context.Context, script string) (applyRes, error) {
	var r applyRes
	a.do(func() { r = nft(ctx, script) })
	return r, r.err
}

// forgetUDP clears stale conntrack entries in the namespace.
func (a *applier) forgetUDP(flows []proxy.UDPFlow) error {
	var err error
	a.do(func() { err = proxy.ForgetUDP(flows) })
	return err
}

// do runs fn on the thread in the namespace and waits for it.
func (a *applier) do(fn func()) {
	done := make(chan struct{})
	a.reqs <- func() { fn(); close(done) }
	<-done
}

func (a *applier) stop() { close(a.reqs) }

func nft(ctx context.Context, script string) applyRes {
	cmd := proxy.NFTCommand(ctx, script)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := applyRes{wall: time.Since(start)}
	if cmd.ProcessState != nil {
		r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		msg := out.String()
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		r.err = fmt.Errorf("nft -f: %w: %s", err, msg)
	}
	return r
}
