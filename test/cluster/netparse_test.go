package cluster

import (
	"slices"
	"testing"
)

func TestNSLookupAddrs(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		want      []string
	}{
		{"server lines are not answers", "Server:\t\t10.0.0.10\nAddress:\t10.0.0.10:53\n\nName:\tweb.default.svc.cluster.local\nAddress: 10.0.0.248\n\n", []string{"10.0.0.248"}},
		{"several answers, sorted", "Server:\t\t10.0.0.10\nAddress:\t10.0.0.10:53\n\nName:\th\nAddress: 10.244.2.2\nName:\th\nAddress: 10.244.0.2\n", []string{"10.244.0.2", "10.244.2.2"}},
		{"no answer", "Server:\t\t10.0.0.10\nAddress:\t10.0.0.10:53\n\n** server can't find x: NXDOMAIN\n", nil},
	} {
		if got := nslookupAddrs(tc.out); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPlainAddr(t *testing.T) {
	for in, want := range map[string]string{
		"[::ffff:10.244.1.2]": "10.244.1.2",
		"10.244.1.2":          "10.244.1.2",
		"[fd00::1]":           "fd00::1",
		"not-an-address":      "not-an-address",
	} {
		if got := plainAddr(in); got != want {
			t.Errorf("plainAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
