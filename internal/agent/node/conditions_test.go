package node

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestConditions(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(10 * time.Second)
	healthy, _ := conditions(nil, health{}, t0, "n1")
	withNetUnavailable := append(slices.Clone(healthy), corev1.NodeCondition{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionFalse, Reason: "RouteCreated"})
	tests := []struct {
		name    string
		old     []corev1.NodeCondition
		h       health
		events  []string
		changed map[corev1.NodeConditionType]corev1.ConditionStatus // types whose transition time is t1
		extra   int
	}{
		{name: "first status announces the pressure conditions, not Ready", h: health{},
			events:  []string{"NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"},
			changed: map[corev1.NodeConditionType]corev1.ConditionStatus{corev1.NodeMemoryPressure: "False", corev1.NodeDiskPressure: "False", corev1.NodePIDPressure: "False", corev1.NodeReady: "True"}},
		{name: "first status not ready", h: health{notReady: []string{"network plugin not ready"}},
			events:  []string{"NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"},
			changed: map[corev1.NodeConditionType]corev1.ConditionStatus{corev1.NodeMemoryPressure: "False", corev1.NodeDiskPressure: "False", corev1.NodePIDPressure: "False", corev1.NodeReady: "False"}},
		{name: "unchanged keeps transition times", old: healthy, h: health{}},
		{name: "network not ready", old: healthy, h: health{notReady: []string{"container runtime network not ready: x"}},
			events: []string{"NodeNotReady"}, changed: map[corev1.NodeConditionType]corev1.ConditionStatus{corev1.NodeReady: "False"}},
		{name: "memory and pid pressure", old: healthy, h: health{memory: true, pid: true},
			events:  []string{"NodeHasInsufficientMemory", "NodeHasInsufficientPID"},
			changed: map[corev1.NodeConditionType]corev1.ConditionStatus{corev1.NodeMemoryPressure: "True", corev1.NodePIDPressure: "True"}},
		{name: "others' conditions stay", old: withNetUnavailable, h: health{}, extra: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, events := conditions(tt.old, tt.h, t1, "n1")
			var reasons []string
			for _, e := range events {
				reasons = append(reasons, e.reason)
				if want := "Node n1 status is now: " + e.reason; e.message != want {
					t.Errorf("event message %q, want %q", e.message, want)
				}
			}
			if !slices.Equal(reasons, tt.events) {
				t.Errorf("events %v, want %v", reasons, tt.events)
			}
			if len(got) != 4+tt.extra {
				t.Fatalf("got %d conditions, want %d", len(got), 4+tt.extra)
			}
			order := []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure, corev1.NodeReady}
			for i, c := range got[:4] {
				if c.Type != order[i] {
					t.Errorf("condition %d is %s, want %s", i, c.Type, order[i])
				}
				if !c.LastHeartbeatTime.Time.Equal(t1) {
					t.Errorf("%s heartbeat %v, want %v", c.Type, c.LastHeartbeatTime, t1)
				}
				want := t0
				if st, ok := tt.changed[c.Type]; ok {
					want = t1
					if c.Status != st {
						t.Errorf("%s is %s, want %s", c.Type, c.Status, st)
					}
				}
				if !c.LastTransitionTime.Time.Equal(want) {
					t.Errorf("%s transition %v, want %v", c.Type, c.LastTransitionTime, want)
				}
			}
		})
	}
}

func TestReadyWording(t *testing.T) {
	now := time.Now()
	got, _ := conditions(nil, health{}, now, "n1")
	if r := got[3]; r.Reason != "KubeletReady" || r.Message != "kubelet is posting ready status" {
		t.Errorf("ready = %+v", r)
	}
	got, _ = conditions(nil, health{notReady: []string{"a", "b"}, disk: true}, now, "n1")
	if r := got[3]; r.Status != corev1.ConditionFalse || r.Reason != "KubeletNotReady" || r.Message != "[a, b]" {
		t.Errorf("not ready = %+v", r)
	}
	if d := got[1]; d.Status != corev1.ConditionTrue || d.Reason != "KubeletHasDiskPressure" || d.Message != "kubelet has disk pressure" {
		t.Errorf("disk pressure = %+v", d)
	}
}

func TestRuntimeErrors(t *testing.T) {
	ready := &runtimeapi.RuntimeCondition{Type: runtimeapi.RuntimeReady, Status: true}
	netDown := &runtimeapi.RuntimeCondition{Type: runtimeapi.NetworkReady, Reason: "NetworkPluginNotReady", Message: "Network plugin returns error: cni plugin not initialized"}
	tests := []struct {
		name string
		st   *runtimeapi.RuntimeStatus
		err  error
		want []string
	}{
		{"ready", &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{ready, {Type: runtimeapi.NetworkReady, Status: true}}}, nil, nil},
		{"network down", &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{ready, netDown}}, nil,
			[]string{"container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"}},
		{"runtime unreachable", nil, errUnreachable, []string{"container runtime is down"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runtimeErrors(tt.st, tt.err); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
