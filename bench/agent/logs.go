package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/bench/internal/harness"
)

// stampScript prints a line every 200 ms starting with the wall-clock time
// in microseconds. Busybox's date has no %N, but its ts stamps %.s; ts
// buffers its output until it exits, so each line gets its own ts.
const stampScript = `while true; do echo line | ts %.s; sleep 0.2; done`

// logLatency runs real `kubectl logs -f` against a pod stamping its lines
// and measures each line's arrival against its stamp. Lines stamped before
// the first one arrived are left out: they waited for the stream to open,
// which is not what the figure is about.
func (b *bench) logLatency(ctx context.Context, lines int) error {
	pod := sleeper("stamper", b.image)
	pod.Spec.Containers[0].Name = "stamp"
	pod.Spec.Containers[0].Command = []string{"sh", "-c", stampScript}
	var lat []time.Duration
	label := fmt.Sprintf("logs: kubectl logs -f, %d lines 200 ms apart", lines)
	if err := harness.Phase(b.out, label, func() error {
		rw, err := watchReady(ctx, b.c, b.ns)
		if err != nil {
			return err
		}
		defer rw.stop()
		if _, err := b.c.CoreV1().Pods(b.ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create pod %s: %w", pod.Name, err)
		}
		// The 30 sleepers were Ready before the watch began, so they show
		// as Added and Ready; the stamper is the one more.
		if err := rw.wait(ctx, b.pods+1, time.Minute); err != nil {
			return err
		}
		lat, err = b.followLogs(ctx, pod, lines)
		return err
	}); err != nil {
		return err
	}
	lat = harness.Sorted(lat)
	b.rep.Latency("kubectl logs -f latency p50", harness.Quantile(lat, 0.5), "", 0)
	b.rep.Latency("kubectl logs -f latency p99", harness.Quantile(lat, 0.99), "<", 100*time.Millisecond)
	return nil
}

// followLogs runs kubectl logs -f on pod until lines fresh lines have
// arrived and returns their latencies.
func (b *bench) followLogs(ctx context.Context, pod *corev1.Pod, lines int) ([]time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(lines)*time.Second+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", "--kubeconfig", b.kubeconfig, "-n", b.ns, "logs", "-f", pod.Name)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start kubectl logs: %w", err)
	}
	// kubectl is stopped by its PID (through ctx) once enough lines came.
	defer func() { cancel(); _ = cmd.Wait() }()
	var lat []time.Duration
	var first time.Time
	r := bufio.NewReader(stdout)
	for len(lat) < lines {
		line, err := r.ReadString('\n')
		arrived := time.Now()
		if err != nil {
			return nil, fmt.Errorf("kubectl logs -f after %d lines: %w: %s", len(lat), err, stderr.String())
		}
		stamp, err := parseStamp(line)
		if err != nil {
			return nil, err
		}
		if first.IsZero() {
			first = arrived
		}
		if stamp.Before(first) {
			continue
		}
		lat = append(lat, arrived.Sub(stamp))
	}
	return lat, nil
}

// parseStamp reads the "seconds.micros" stamp ts puts before a line.
func parseStamp(line string) (time.Time, error) {
	field, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	secs, frac, ok := strings.Cut(field, ".")
	s, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || !ok || len(frac) == 0 || len(frac) > 9 {
		return time.Time{}, fmt.Errorf("log line %q: no seconds.fraction stamp", line)
	}
	f, err := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("log line %q: stamp fraction: %w", line, err)
	}
	return time.Unix(s, f), nil
}
