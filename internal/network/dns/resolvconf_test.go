package dns

import (
	"slices"
	"testing"
)

func TestParseResolvConf(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		want       []string
	}{
		{"empty", "", nil},
		{"comments and options", "# nameserver 1.1.1.1\nsearch example.com\noptions ndots:5\nnameserver 10.1.0.2\n", []string{"10.1.0.2:53"}},
		{"ipv6 and zone", "nameserver fd00::1\nnameserver fe80::1%eth0\n", []string{"[fd00::1]:53", "[fe80::1%eth0]:53"}},
		{"garbage skipped", "nameserver\nnameserver resolver.local\nnameserver 192.0.2.1 extra\n", []string{"192.0.2.1:53"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseResolvConf([]byte(tc.conf)); !slices.Equal(got, tc.want) {
				t.Errorf("parseResolvConf = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestChooseUpstreams(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in, want []string
	}{
		{"loopback alone kept", []string{"127.0.0.53:53"}, []string{"127.0.0.53:53"}},
		{"loopback dropped beside others", []string{"127.0.0.53:53", "192.0.2.1:53", "[::1]:53"}, []string{"192.0.2.1:53"}},
		{"order kept", []string{"192.0.2.2:53", "192.0.2.1:53"}, []string{"192.0.2.2:53", "192.0.2.1:53"}},
		{"none", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := chooseUpstreams(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("chooseUpstreams(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
