package sim

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestAddressPlan(t *testing.T) {
	for _, tt := range []struct {
		i        int
		node, cr string
	}{{0, "100.64.0.1", "10.64.0.0/24"}, {255, "100.64.1.0", "10.64.255.0/24"}, {256, "100.64.1.1", "10.65.0.0/24"}, {maxNodes - 1, "100.64.192.0", "10.255.255.0/24"}} {
		if got := nodeIP(tt.i).String(); got != tt.node {
			t.Errorf("nodeIP(%d) = %s, want %s", tt.i, got, tt.node)
		}
		if got := podCIDR(tt.i).String(); got != tt.cr {
			t.Errorf("podCIDR(%d) = %s, want %s", tt.i, got, tt.cr)
		}
	}
}

func TestPodIPs(t *testing.T) {
	a := newPodIPs(netip.MustParsePrefix("10.64.3.0/24"))
	a.reserve("old", netip.MustParseAddr("10.64.3.3"))
	seen := map[netip.Addr]bool{netip.MustParseAddr("10.64.3.3"): true}
	for i := range 252 {
		ip, err := a.assign(types.UID(fmt.Sprint(i)))
		if err != nil {
			t.Fatalf("assign %d: %v", i, err)
		}
		if seen[ip] || !a.usable(ip) {
			t.Fatalf("assign %d gave %s twice or out of range", i, ip)
		}
		seen[ip] = true
	}
	if ip, _ := a.assign("0"); ip != netip.MustParseAddr("10.64.3.2") {
		t.Fatalf("a known pod keeps its address, got %s", ip)
	}
	if _, err := a.assign("one-too-many"); err == nil {
		t.Fatal("a full /24 must refuse")
	}
	a.release("7")
	if ip, err := a.assign("new"); err != nil || !seen[ip] {
		t.Fatalf("a released address is reused, got %s %v", ip, err)
	}
}

func TestRefreshConditions(t *testing.T) {
	now := t0.Add(time.Minute)
	old := []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown", LastTransitionTime: *at(0)},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, LastTransitionTime: *at(0)},
		{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionFalse, Reason: "RouteCreated"},
	}
	got := refreshConditions(old, now)
	byType := map[corev1.NodeConditionType]corev1.NodeCondition{}
	for _, c := range got {
		byType[c.Type] = c
	}
	if r := byType[corev1.NodeReady]; r.Status != corev1.ConditionTrue || r.Reason != "KubeletReady" || !r.LastTransitionTime.Time.Equal(now) || !r.LastHeartbeatTime.Time.Equal(now) {
		t.Errorf("Ready %+v: want True since now", r)
	}
	if m := byType[corev1.NodeMemoryPressure]; !m.LastTransitionTime.Time.Equal(t0) || !m.LastHeartbeatTime.Time.Equal(now) {
		t.Errorf("MemoryPressure %+v: want transition kept, heartbeat now", m)
	}
	if n := byType[corev1.NodeNetworkUnavailable]; n.Reason != "RouteCreated" || len(got) != 5 {
		t.Errorf("foreign conditions must stay: %+v", got)
	}
	node := &corev1.Node{Status: corev1.NodeStatus{Conditions: got}}
	if needsStatus(node, now.Add(time.Minute), 5*time.Minute) || !needsStatus(node, now.Add(5*time.Minute), 5*time.Minute) {
		t.Error("status is due only after the report interval")
	}
	node.Status.Conditions = old
	if !needsStatus(node, t0, time.Hour) {
		t.Error("a node not reading Ready=True needs status at once")
	}
}
