package eviction

import (
	"slices"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

type evictCall struct{ pod, reason, message string }

func TestManagerEvictsOnePodPerInterval(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	available := int64(80 * mi)
	active := []*v1.Pod{pod("guaranteed", v1.PodQOSGuaranteed, 0, "100Mi"), pod("besteffort", v1.PodQOSBestEffort, 0, "")}
	var calls []evictCall
	recorder := record.NewFakeRecorder(10)
	m := New(Config{
		NodeName: "n1", Recorder: recorder, Clock: clock,
		ActivePods: func() []*v1.Pod { return active },
		Evict:      func(p *v1.Pod, reason, msg string) { calls = append(calls, evictCall{p.Name, reason, msg}) },
		Observe: func() (map[Signal]Observation, error) {
			return map[Signal]Observation{MemoryAvailable: {Available: available, Capacity: 4096 * mi}}, nil
		},
	})
	if mem, disk, pid := m.Conditions(); mem || disk || pid {
		t.Fatal("pressure before any observation")
	}

	m.synchronize()
	want := []evictCall{{"besteffort", "Evicted", "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi. "}}
	if !slices.Equal(calls, want) {
		t.Fatalf("calls %v, want %v", calls, want)
	}
	if mem, _, _ := m.Conditions(); !mem {
		t.Error("no memory pressure")
	}
	events := []string{<-recorder.Events, <-recorder.Events}
	if events[0] != "Warning EvictionThresholdMet Attempting to reclaim memory" || events[1] != "Warning Evicted "+want[0].message {
		t.Errorf("events %q", events)
	}

	// The evicted pod is still terminating: the next interval takes the next pod.
	clock.Step(10 * time.Second)
	m.synchronize()
	if len(calls) != 2 || calls[1].pod != "guaranteed" {
		t.Fatalf("calls %v", calls)
	}

	// Pressure lifts, but the condition holds for the transition period.
	available = 1024 * mi
	active = nil
	clock.Step(10 * time.Second)
	if m.synchronize() != nil || len(calls) != 2 {
		t.Fatalf("evicted without pressure: %v", calls)
	}
	clock.Step(4 * time.Minute)
	if mem, _, _ := m.Conditions(); !mem {
		t.Error("memory pressure cleared within the transition period")
	}
	clock.Step(time.Minute)
	if mem, _, _ := m.Conditions(); mem {
		t.Error("memory pressure still set after the transition period")
	}
}

func TestManagerSparesCriticalPods(t *testing.T) {
	static := pod("static", v1.PodQOSBestEffort, 0, "")
	static.Annotations = map[string]string{v1.MirrorPodAnnotationKey: "abc"}
	evicted := false
	m := New(Config{
		ActivePods: func() []*v1.Pod { return []*v1.Pod{static} },
		Evict:      func(*v1.Pod, string, string) { evicted = true },
		Observe: func() (map[Signal]Observation, error) {
			return map[Signal]Observation{PIDAvailable: {Available: 1, Capacity: 1000}}, nil
		},
		Thresholds: []Threshold{{Signal: PIDAvailable, Percentage: 0.1}},
	})
	m.synchronize()
	if evicted {
		t.Error("a mirror pod was evicted")
	}
	if _, _, pid := m.Conditions(); !pid {
		t.Error("no PID pressure")
	}
}

func TestObserveHost(t *testing.T) {
	obs, err := observeHost(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range signalOrder {
		o, ok := obs[sig]
		if !ok || o.Capacity <= 0 || o.Available < 0 || o.Available > o.Capacity {
			t.Errorf("%s = %+v", sig, o)
		}
	}
}
