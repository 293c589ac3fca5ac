package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bosun-dev/bosun/bench/internal/harness"
)

const (
	rssTarget = 60 << 20
	// cpuTarget is the agent's idle CPU, as a fraction of one core.
	cpuTarget = 0.01
)

// memory reports the agent's RSS (held to its target when withTarget) and,
// for information, its containerd's and its shims' together.
func (b *bench) memory(what string, withTarget bool) error {
	m, err := harness.ReadMemory(b.agent.pid())
	if err != nil {
		return err
	}
	f := harness.Figure{Name: "agent RSS, " + what, Value: harness.MiB(m.RSS)}
	if withTarget {
		f.Target, f.Pass = "< "+harness.MiB(rssTarget), m.RSS < rssTarget
	}
	b.rep.Add(f)
	// A Go binary's RSS is its heap plus the pages of its text it touched:
	// the split says which one to shrink.
	b.rep.Add(harness.Figure{Name: "  of which anon / file-backed", Value: harness.MiB(m.Anon) + " / " + harness.MiB(m.File)})
	ctrd, shims, err := runtimeProcs(b.agent.pid(), b.agent.containerdSocket())
	if err != nil {
		return err
	}
	cm, err := harness.ReadMemory(ctrd)
	if err != nil {
		return err
	}
	b.rep.Add(harness.Figure{Name: "containerd RSS, " + what, Value: harness.MiB(cm.RSS)})
	var shimRSS int64
	for _, pid := range shims {
		// A shim that exited since the listing holds no memory.
		if sm, err := harness.ReadMemory(pid); err == nil {
			shimRSS += sm.RSS
		}
	}
	b.rep.Add(harness.Figure{Name: fmt.Sprintf("%d shims' RSS together, %s", len(shims), what), Value: harness.MiB(shimRSS)})
	return nil
}

// idleCPU measures the agent's CPU time (user + system) over d, as a share
// of one core.
func (b *bench) idleCPU(ctx context.Context, d time.Duration) error {
	var used time.Duration
	var took time.Duration
	if err := harness.Phase(b.out, fmt.Sprintf("idle: agent CPU over %s", d), func() error {
		before, err := harness.CPUTime(b.agent.pid())
		if err != nil {
			return err
		}
		start := time.Now()
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
		after, err := harness.CPUTime(b.agent.pid())
		took = time.Since(start)
		used = after - before
		return err
	}); err != nil {
		return err
	}
	share := used.Seconds() / took.Seconds()
	b.rep.Add(harness.Figure{Name: "agent idle CPU, pods running", Value: fmt.Sprintf("%.2f %% core", 100*share),
		Target: fmt.Sprintf("< %.0f %%", 100*cpuTarget), Pass: share < cpuTarget})
	b.rep.Add(harness.Figure{Name: "agent CPU time in that window", Value: harness.MS(used)})
	return nil
}

// loadAverage reports the host's 1-minute load average: containers start
// at the speed of the cores they share with everything else on the host.
func (b *bench) loadAverage(when string) {
	v := "unknown"
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		v = strings.Fields(string(raw))[0]
	}
	b.rep.Add(harness.Figure{Name: "host load average (1 min), " + when, Value: v})
}
