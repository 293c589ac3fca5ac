package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
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
	// The file-backed pages are the binary's, shared with the server: PSS
	// charges the agent its share only.
	if pss, err := readPSS(b.agent.pid()); err == nil {
		b.rep.Add(harness.Figure{Name: "agent PSS, " + what, Value: harness.MiB(pss)})
	}
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

// readPSS is a process's proportional set size in bytes.
func readPSS(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, fmt.Errorf("read smaps of pid %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse Pss %q of pid %d: %w", v, pid, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no Pss in smaps of pid %d", pid)
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
