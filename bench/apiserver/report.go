package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// figure is one measured number and the target it is held to.
type figure struct {
	name   string
	value  string
	target string // empty for figures reported for information only
	pass   bool
}

func (f figure) verdict() string {
	switch {
	case f.target == "":
		return "info"
	case f.pass:
		return "PASS"
	default:
		return "MISS"
	}
}

// report collects figures and prints each as it arrives.
type report struct {
	out     io.Writer
	figures []figure
}

func (r *report) add(f figure) {
	r.figures = append(r.figures, f)
	fmt.Fprintf(r.out, "    %-48s %18s   target %-10s %s\n", f.name, f.value, orDash(f.target), f.verdict())
}

// latency adds a duration figure; limit 0 makes it informational.
func (r *report) latency(name string, d time.Duration, op string, limit time.Duration) {
	f := figure{name: name, value: ms(d)}
	if limit > 0 {
		f.target, f.pass = op+" "+ms(limit), d < limit
		if op == "≤" {
			f.pass = d <= limit
		}
	}
	r.add(f)
}

func (r *report) summary() {
	fmt.Fprintf(r.out, "\nsummary\n")
	fmt.Fprintf(r.out, "%-50s %18s  %-12s %s\n", "figure", "value", "target", "")
	fmt.Fprintf(r.out, "%s\n", strings.Repeat("-", 80))
	pass, miss := 0, 0
	for _, f := range r.figures {
		fmt.Fprintf(r.out, "%-50s %18s  %-12s %s\n", f.name, f.value, orDash(f.target), f.verdict())
		switch f.verdict() {
		case "PASS":
			pass++
		case "MISS":
			miss++
		}
	}
	fmt.Fprintf(r.out, "%s\n%d PASS, %d MISS\n", strings.Repeat("-", 80), pass, miss)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ms formats a duration in milliseconds with precision suited to its size.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.0f ms", v)
	}
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// quantile returns the nearest-rank q-quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// sorted returns a sorted copy of ds.
func sorted(ds []time.Duration) []time.Duration {
	out := slices.Clone(ds)
	slices.Sort(out)
	return out
}

// phase prints "what... " then the time fn took, so long steps show progress.
func phase(out io.Writer, what string, fn func() error) error {
	fmt.Fprintf(out, "%s... ", what)
	start := time.Now()
	err := fn()
	if err != nil {
		fmt.Fprintf(out, "failed after %.1f s\n", time.Since(start).Seconds())
		return err
	}
	fmt.Fprintf(out, "%.1f s\n", time.Since(start).Seconds())
	return nil
}
