package main

import (
	"testing"
	"time"
)

func TestParseSkip(t *testing.T) {
	got, err := parseSkip(" coldstart, watch ,")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got["coldstart"] || !got["watch"] {
		t.Errorf("parseSkip = %v, want coldstart and watch", got)
	}
	if _, err := parseSkip("coldstart,nope"); err == nil {
		t.Error("parseSkip accepted an unknown phase")
	}
}

func TestMetricsMeanLatency(t *testing.T) {
	m := metrics{
		`apiserver_request_duration_seconds_sum{group="",resource="pods",subresource="",verb="LIST",version="v1"}`:   3,
		`apiserver_request_duration_seconds_count{group="",resource="pods",subresource="",verb="LIST",version="v1"}`: 2,
		`apiserver_request_duration_seconds_sum{group="",resource="pods",subresource="log",verb="GET",version="v1"}`: 9,
	}
	if d, ok := m.meanLatency("LIST", "pods"); !ok || d != 1500*time.Millisecond {
		t.Errorf("meanLatency(LIST, pods) = %v, %v; want 1.5s, true", d, ok)
	}
	if _, ok := m.meanLatency("GET", "pods"); ok {
		t.Error("meanLatency(GET, pods) found a series with no count")
	}
}
