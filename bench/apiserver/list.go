package main

import (
	"context"
	"fmt"
	"github.com/bosun-dev/bosun/bench/internal/harness"
	"io"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// listFigures lists the stored pods with protobuf and with JSON, decoded
// into typed objects as a client would, and raw for the server's share.
//
// The protobuf target applies to the raw list: the time from sending the
// request to holding the whole body (gunzipped), which is the server's
// answer and its transfer. That is what Kubernetes' API call latency SLI
// counts (request received to last byte sent); the client's decoding into
// typed objects is the client's own CPU, and on a shared two-core machine
// it alone takes longer than the target (shown beside, for information).
func listFigures(ctx context.Context, out io.Writer, rc *rest.Config, sz sizes, rep *harness.Report) error {
	for _, enc := range []struct {
		name string
		rc   *rest.Config
		// target applies to protobuf only; JSON is for comparison.
		target time.Duration
	}{
		{"protobuf", protobufConfig(rc), 150 * time.Millisecond},
		{"JSON", rc, 0},
		// Lists over 128 KiB are gzipped when the client accepts it, as
		// Go's transport does by default; this shows what that costs.
		{"protobuf no gzip", noCompression(protobufConfig(rc)), 0},
	} {
		c, err := kubernetes.NewForConfig(enc.rc)
		if err != nil {
			return err
		}
		var typed, raw []time.Duration
		var size int
		if err := harness.Phase(out, fmt.Sprintf("listing %d pods %d times, %s", sz.pods, sz.lists, enc.name), func() error {
			// One unmeasured list warms caches and connections.
			if _, err := listPods(ctx, c, "bench-pods", sz.pods, 1); err != nil {
				return err
			}
			var err error
			if typed, err = listPods(ctx, c, "bench-pods", sz.pods, sz.lists); err != nil {
				return err
			}
			raw, size, err = listPodsRaw(ctx, c, "bench-pods", sz.lists)
			return err
		}); err != nil {
			return err
		}
		label := fmt.Sprintf("list %d pods %s", sz.pods, enc.name)
		rep.Latency(label+": p50 undecoded", harness.Quantile(raw, 0.5), "<", enc.target)
		rep.Latency(label+": max undecoded", harness.Quantile(raw, 1), "<", enc.target)
		rep.Latency(label+": p50 decoded", harness.Quantile(typed, 0.5), "", 0)
		rep.Latency(label+": max decoded", harness.Quantile(typed, 1), "", 0)
		rep.Add(harness.Figure{Name: label + ": body size", Value: fmt.Sprintf("%.1f MiB", float64(size)/(1<<20))})
	}
	return nil
}

// noCompression returns a copy of rc that does not ask for gzip.
func noCompression(rc *rest.Config) *rest.Config {
	c := rest.CopyConfig(rc)
	c.DisableCompression = true
	return c
}
