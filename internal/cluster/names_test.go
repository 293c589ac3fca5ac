package cluster

import (
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"demo", true},
		{"a", true},
		{"demo-2", true},
		{strings.Repeat("a", MaxNameLen), true},
		{strings.Repeat("a", MaxNameLen+1), false},
		{"", false},
		{"Demo", false},
		{"-demo", false},
		{"demo.x", false},
		{"demo_x", false},
	} {
		if err := ValidateName(tc.name); (err == nil) != tc.ok {
			t.Errorf("ValidateName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestValidateBridgeName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"br0", true},
		{strings.Repeat("b", 15), true},
		{strings.Repeat("b", 16), false},
		{"", false},
		{"a/b", false},
		{"a b", false},
		{"a:1", false},
	} {
		if err := ValidateBridgeName(tc.name); (err == nil) != tc.ok {
			t.Errorf("ValidateBridgeName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestDerivedNames(t *testing.T) {
	if got := DefaultBridge("demo"); got != "bosun-demo" {
		t.Errorf("DefaultBridge(demo) = %q", got)
	}
	long := strings.Repeat("x", MaxNameLen)
	for _, c := range []string{"demo", "abcdefghi", "abcdefghij", long, long[:19]} {
		b := DefaultBridge(c)
		if err := ValidateBridgeName(b); err != nil {
			t.Errorf("DefaultBridge(%q) = %q: %v", c, b, err)
		}
		if !strings.HasPrefix(b, "bosun-") {
			t.Errorf("DefaultBridge(%q) = %q, want the bosun- prefix", c, b)
		}
		v := HostVeth(c, ControlPlaneName(c))
		if err := ValidateBridgeName(v); err != nil || !strings.HasPrefix(v, "veth") {
			t.Errorf("HostVeth(%q) = %q: %v", c, v, err)
		}
		if err := ValidateNodeName(ControlPlaneName(c)); err != nil {
			t.Error(err)
		}
	}
	if DefaultBridge(long) == DefaultBridge(long[:19]+"y") {
		t.Error("long names sharing a prefix get the same bridge")
	}
	if HostVeth("a", "b-c") == HostVeth("a-b", "c") {
		t.Error("host veth names collide across clusters")
	}
	if got := Netns("demo", "demo-worker-1"); got != "bosun-demo.demo-worker-1" || !strings.HasPrefix(got, NetnsPrefix("demo")) {
		t.Errorf("Netns = %q", got)
	}
	if got := CgroupRoot("demo", "demo-worker-1"); got != "/bosun-demo.demo-worker-1" {
		t.Errorf("CgroupRoot = %q", got)
	}
	if got := WorkerName("demo", 2); got != "demo-worker-2" {
		t.Errorf("WorkerName = %q", got)
	}
}
