package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bosun-dev/bosun/bench/internal/harness"
)

// cpuMeter reads the CPU time the server, the simulated nodes and the bench
// itself used over a phase. On a shared machine wall-clock rates swing with
// other load; CPU per pod is what a change to the code moves.
//
// A thousand simulated nodes renewing Leases cost CPU whether or not pods
// are scheduled, so a phase slowed by other load charges more of it to
// each pod; the meter also reports that rate, measured before the phase.
type cpuMeter struct {
	names []string
	pids  []int
	start []time.Duration
	idle  []float64 // CPU per wall second before the phase
}

// startCPU measures the idle rate for idle, then starts metering the server
// (the child process that is not the sim: the harness keeps its PID to
// itself), the sim and this process.
func startCPU(simPID int, idle time.Duration) (*cpuMeter, error) {
	server, err := childOtherThan(simPID)
	if err != nil {
		return nil, err
	}
	m := &cpuMeter{names: []string{"server", "sim", "bench"}, pids: []int{server, simPID, os.Getpid()}}
	before, err := m.read()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	time.Sleep(idle)
	if m.start, err = m.read(); err != nil {
		return nil, err
	}
	secs := time.Since(t0).Seconds()
	for i := range m.pids {
		m.idle = append(m.idle, float64(m.start[i]-before[i])/float64(time.Second)/secs)
	}
	return m, nil
}

func (m *cpuMeter) read() ([]time.Duration, error) {
	var out []time.Duration
	for _, pid := range m.pids {
		t, err := harness.CPUTime(pid)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// perItem renders each process's CPU since start divided by n, e.g.
// "server 1.20 + sim 0.30 + bench 0.10 ms".
func (m *cpuMeter) perItem(n int) (string, error) {
	now, err := m.read()
	if err != nil {
		return "", err
	}
	var parts []string
	for i := range m.pids {
		per := float64(now[i]-m.start[i]) / float64(time.Millisecond) / float64(n)
		parts = append(parts, fmt.Sprintf("%s %.2f", m.names[i], per))
	}
	return strings.Join(parts, " + ") + " ms", nil
}

// idleRates renders the CPU each process used per wall second before the
// phase, e.g. "server 0.25 + sim 0.03 + bench 0.00 cores": what a phase's
// CPU per pod includes at that rate whatever the pods cost. It is not
// subtracted: right after a phase the cluster is still settling (pod
// statuses, Deployment status), which would make it overstate the floor.
func (m *cpuMeter) idleRates() string {
	var parts []string
	for i := range m.pids {
		parts = append(parts, fmt.Sprintf("%s %.2f", m.names[i], m.idle[i]))
	}
	return strings.Join(parts, " + ") + " cores"
}

// childOtherThan finds the one child process of this process other than
// pid, by the parent PID field of /proc/*/stat.
func childOtherThan(pid int) (int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, fmt.Errorf("list processes: %w", err)
	}
	self := os.Getpid()
	found := 0
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // exited meanwhile
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		child, _ := strconv.Atoi(strings.Fields(s)[0])
		if ppid, _ := strconv.Atoi(f[1]); ppid == self && child != pid {
			if found != 0 {
				return 0, fmt.Errorf("find server process: children %d and %d", found, child)
			}
			found = child
		}
	}
	if found == 0 {
		return 0, fmt.Errorf("find server process: no child other than the sim %d", pid)
	}
	return found, nil
}
