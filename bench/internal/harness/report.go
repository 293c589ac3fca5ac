package harness

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Figure is one measured number and the target it is held to.
type Figure struct {
	Name   string
	Value  string
	Target string // empty for figures reported for information only
	Pass   bool
}

func (f Figure) Verdict() string {
	switch {
	case f.Target == "":
		return "info"
	case f.Pass:
		return "PASS"
	default:
		return "MISS"
	}
}

// Report collects figures and prints each as it arrives.
type Report struct {
	Out     io.Writer
	figures []Figure
}

func (r *Report) Add(f Figure) {
	r.figures = append(r.figures, f)
	fmt.Fprintf(r.Out, "    %-48s %18s   target %-10s %s\n", f.Name, f.Value, orDash(f.Target), f.Verdict())
}

// latency adds a duration Figure; limit 0 makes it informational.
func (r *Report) Latency(name string, d time.Duration, op string, limit time.Duration) {
	f := Figure{Name: name, Value: MS(d)}
	if limit > 0 {
		f.Target, f.Pass = op+" "+MS(limit), d < limit
		if op == "≤" {
			f.Pass = d <= limit
		}
	}
	r.Add(f)
}

func (r *Report) Summary() {
	fmt.Fprintf(r.Out, "\nsummary\n")
	fmt.Fprintf(r.Out, "%-50s %18s  %-12s %s\n", "Figure", "value", "target", "")
	fmt.Fprintf(r.Out, "%s\n", strings.Repeat("-", 80))
	pass, miss := 0, 0
	for _, f := range r.figures {
		fmt.Fprintf(r.Out, "%-50s %18s  %-12s %s\n", f.Name, f.Value, orDash(f.Target), f.Verdict())
		switch f.Verdict() {
		case "PASS":
			pass++
		case "MISS":
			miss++
		}
	}
	fmt.Fprintf(r.Out, "%s\n%d PASS, %d MISS\n", strings.Repeat("-", 80), pass, miss)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ms formats a duration in milliseconds with precision suited to its size.
func MS(d time.Duration) string {
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

func MiB(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// quantile returns the nearest-rank q-quantile of sorted durations.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// sorted returns a sorted copy of ds.
func Sorted(ds []time.Duration) []time.Duration {
	out := slices.Clone(ds)
	slices.Sort(out)
	return out
}

// phase prints "what... " then the time fn took, so long steps show progress.
func Phase(out io.Writer, what string, fn func() error) error {
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
