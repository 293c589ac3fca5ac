package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"github.com/bosun-dev/bosun/bench/internal/harness"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
)

// metrics is the server's /metrics text, one sample per series.
type metrics map[string]float64

// scrapeMetrics reads /metrics. Series keep their labels as written, e.g.
// `apiserver_request_duration_seconds_sum{verb="POST",...}`.
func scrapeMetrics(ctx context.Context, c kubernetes.Interface) (metrics, error) {
	body, err := c.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("scrape /metrics: %w", err)
	}
	m := metrics{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			m[line[:i]] = v
		}
	}
	return m, sc.Err()
}

// sum adds the series named name whose labels include every one of labels
// (each written as `key="value"`).
func (m metrics) sum(name string, labels ...string) float64 {
	total := 0.0
	for k, v := range m {
		series, rest, _ := strings.Cut(k, "{")
		if series != name {
			continue
		}
		ok := true
		for _, l := range labels {
			if !strings.Contains(rest, l) {
				ok = false
				break
			}
		}
		if ok {
			total += v
		}
	}
	return total
}

// meanLatency is the server-side mean duration of requests with the given
// verb and resource since start, from the request duration histogram.
func (m metrics) meanLatency(verb, resource string) (time.Duration, bool) {
	labels := []string{`verb="` + verb + `"`, `resource="` + resource + `"`, `subresource=""`}
	n := m.sum("apiserver_request_duration_seconds_count", labels...)
	if n == 0 {
		return 0, false
	}
	s := m.sum("apiserver_request_duration_seconds_sum", labels...)
	return time.Duration(s / n * float64(time.Second)), true
}

// serverFigures reports, for information, the server's own view: Go heap
// and goroutines, and mean request durations as it measured them (which
// leave out client-side and transport time).
func serverFigures(ctx context.Context, c kubernetes.Interface, rep *harness.Report) error {
	m, err := scrapeMetrics(ctx, c)
	if err != nil {
		return err
	}
	if v, ok := m["go_memstats_heap_inuse_bytes"]; ok {
		rep.Add(harness.Figure{Name: "server Go heap in use", Value: harness.MiB(int64(v))})
	}
	if v, ok := m["go_goroutines"]; ok {
		rep.Add(harness.Figure{Name: "server goroutines", Value: fmt.Sprintf("%.0f", v)})
	}
	for _, q := range []struct{ verb, resource, name string }{
		{"CREATE", "configmaps", "create configmap"},
		{"GET", "configmaps", "get configmap"},
		{"CREATE", "pods", "create pod"},
		{"LIST", "pods", "list pods"},
	} {
		if d, ok := m.meanLatency(q.verb, q.resource); ok {
			rep.Latency("server-side mean: "+q.name, d, "", 0)
		}
	}
	return nil
}
