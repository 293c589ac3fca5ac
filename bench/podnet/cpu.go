package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bosun-dev/bosun/bench/internal/harness"
)

// The machine the bench runs on is often shared, and throughput then
// follows the load more than the data path. The CPU the transfer costs per
// byte does not: a single TCP stream between namespaces is CPU-bound, so
// the ratio of the two paths' costs is the ratio their throughputs have on
// an idle machine.
//
// The cost is the bench process's CPU time plus the machine's softirq
// time: the kernel charges packet processing to whichever of the two was
// running when it happened (softirq work done on return from the sender's
// syscall is the process's; work deferred to ksoftirqd is softirq's). Other
// processes add little softirq time unless they move a lot of packets.

// cpuCounter reads the CPU the transfer has used so far.
type cpuCounter func() (time.Duration, error)

// transferCPU is the process's CPU time plus the machine's softirq time.
func transferCPU() (time.Duration, error) {
	proc, err := harness.CPUTime(os.Getpid())
	if err != nil {
		return 0, err
	}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("read softirq time: %w", err)
	}
	soft, err := parseSoftirq(string(b))
	if err != nil {
		return 0, err
	}
	return proc + soft, nil
}

// userHZ is /proc/stat's unit, 100 on every Linux architecture Go supports.
const userHZ = 100

// parseSoftirq reads the softirq time of all CPUs, the seventh number of
// /proc/stat's "cpu" line.
func parseSoftirq(stat string) (time.Duration, error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, fmt.Errorf("parse /proc/stat: unexpected first line %q", line)
	}
	ticks, err := strconv.ParseInt(f[7], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse /proc/stat softirq %q: %w", f[7], err)
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}
