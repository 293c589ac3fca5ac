package routes

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestParseRoutes(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    []Route
		wantErr string
	}{
		{"empty output", "", []Route{}, ""},
		{"empty list", "[]\n", []Route{}, ""},
		{"ours", `[{"dst":"10.244.2.0/24","gateway":"192.168.5.2","dev":"eth0","flags":[]}]`,
			[]Route{{Dst: netip.MustParsePrefix("10.244.2.0/24"), Via: netip.MustParseAddr("192.168.5.2")}}, ""},
		{"link route, host route, default", `[{"dst":"192.168.5.0/24","dev":"eth0","protocol":"kernel","scope":"link"},` +
			`{"dst":"10.9.9.9","dev":"eth0"},{"dst":"default","gateway":"192.168.5.254"}]`, []Route{
			{Dst: netip.MustParsePrefix("192.168.5.0/24")},
			{Dst: netip.MustParsePrefix("10.9.9.9/32")},
			{Dst: netip.MustParsePrefix("0.0.0.0/0"), Via: netip.MustParseAddr("192.168.5.254")},
		}, ""},
		{"not JSON", "10.244.2.0/24 via 192.168.5.2", nil, "parse ip route output"},
		{"bad destination", `[{"dst":"10.244.2.0/99"}]`, nil, `destination "10.244.2.0/99"`},
		{"bad gateway", `[{"dst":"10.244.2.0/24","gateway":"x"}]`, nil, `gateway "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRoutes([]byte(tt.out))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseRoutes = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
