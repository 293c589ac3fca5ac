package cluster

import (
	"net/netip"
	"testing"
)

func testPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestPickSubnet(t *testing.T) {
	for _, tc := range []struct {
		name string
		used []netip.Prefix
		want string
	}{
		{"nothing used", nil, "172.30.1.0/24"},
		{"first taken by a cluster", prefixes("172.30.1.0/24"), "172.30.2.0/24"},
		{"host address inside", prefixes("172.30.1.7/32", "172.30.2.0/25"), "172.30.3.0/24"},
		{"wider route covers some", prefixes("172.30.0.0/22"), "172.30.4.0/24"},
		{"unrelated", prefixes("10.0.0.0/8", "192.0.2.0/24"), "172.30.1.0/24"},
	} {
		got, err := PickSubnet(tc.used)
		if err != nil || got.String() != tc.want {
			t.Errorf("%s: PickSubnet = %v, %v; want %s", tc.name, got, err, tc.want)
		}
	}
	if _, err := PickSubnet(prefixes("172.30.0.0/16")); err == nil {
		t.Error("PickSubnet found a subnet inside a used 172.30.0.0/16")
	}
}

func TestParseSubnet(t *testing.T) {
	for _, tc := range []struct {
		in    string
		nodes int
		want  string // "" for an error
	}{
		{"172.31.5.0/24", 3, "172.31.5.0/24"},
		{"172.31.5.9/24", 3, "172.31.5.0/24"},
		{"10.9.0.0/29", 5, "10.9.0.0/29"},
		{"10.9.0.0/29", 6, ""},
		{"10.9.0.0/30", 1, ""},
		{"fd00::/64", 1, ""},
		{"nonsense", 1, ""},
		{"10.0.0.0/7", 1, ""},
	} {
		got, err := ParseSubnet(tc.in, tc.nodes)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseSubnet(%q, %d) = %v, want an error", tc.in, tc.nodes, got)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("ParseSubnet(%q, %d) = %v, %v; want %s", tc.in, tc.nodes, got, err, tc.want)
		}
	}
}

func TestHostAddr(t *testing.T) {
	p := netip.MustParsePrefix("10.1.0.248/29")
	for _, tc := range []struct {
		n    int
		want string
	}{{1, "10.1.0.249"}, {6, "10.1.0.254"}, {7, ""}, {0, ""}} {
		got, ok := HostAddr(p, tc.n)
		if (tc.want == "") == ok || (ok && got.String() != tc.want) {
			t.Errorf("HostAddr(%v, %d) = %v, %v; want %q", p, tc.n, got, ok, tc.want)
		}
	}
	if got, _ := HostAddr(netip.MustParsePrefix("10.1.0.0/16"), 300); got.String() != "10.1.1.44" {
		t.Errorf("HostAddr across an octet = %v", got)
	}
}

func TestFreeNodeAddr(t *testing.T) {
	p := netip.MustParsePrefix("172.30.1.0/29")
	if got, err := FreeNodeAddr(p, []string{"172.30.1.2", "172.30.1.4"}); err != nil || got.String() != "172.30.1.3" {
		t.Errorf("FreeNodeAddr = %v, %v; want the gap 172.30.1.3", got, err)
	}
	all := []string{"172.30.1.2", "172.30.1.3", "172.30.1.4", "172.30.1.5", "172.30.1.6"}
	if got, err := FreeNodeAddr(p, all); err == nil {
		t.Errorf("FreeNodeAddr on a full subnet = %v", got)
	}
}
