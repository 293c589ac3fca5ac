package nodeipam

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func TestNewAllocatorRejects(t *testing.T) {
	for _, tt := range []struct {
		cidr string
		mask int
		want string
	}{
		{"10.244.0.0", 24, "cluster CIDR"},
		{"fd00::/48", 64, "only IPv4"},
		{"10.244.0.0/16", 15, "mask size"},
		{"10.244.0.0/16", 31, "mask size"},
		{"10.0.0.0/8", 30, "more than"},
	} {
		if _, err := newAllocator(tt.cidr, tt.mask); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("newAllocator(%s, %d) err = %v, want %q", tt.cidr, tt.mask, err, tt.want)
		}
	}
}

// TestAllocator replays a script of operations: "a" allocates, "o X"
// occupies X, "r X" releases X; each line's result is compared.
func TestAllocator(t *testing.T) {
	tests := []struct {
		name    string
		cidr    string
		mask    int
		ops     []string
		results []string
	}{
		{"in order from the start", "10.244.0.0/16", 24,
			[]string{"a", "a", "a"},
			[]string{"10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"}},
		{"occupied blocks are skipped", "10.244.0.0/16", 24,
			[]string{"o 10.244.0.0/24", "o 10.244.2.0/24", "a", "a"},
			[]string{"ok", "ok", "10.244.1.0/24", "10.244.3.0/24"}},
		{"full, then a release makes room", "10.0.0.0/23", 24,
			[]string{"a", "a", "a", "r 10.0.0.0/24", "a"},
			[]string{"10.0.0.0/24", "10.0.1.0/24", "cluster CIDR is full", "ok", "10.0.0.0/24"}},
		{"a released block is reused only after the others", "10.0.0.0/22", 24,
			[]string{"a", "a", "r 10.0.0.0/24", "a", "a", "a"},
			[]string{"10.0.0.0/24", "10.0.1.0/24", "ok", "10.0.2.0/24", "10.0.3.0/24", "10.0.0.0/24"}},
		{"foreign blocks are refused", "10.244.0.0/16", 24,
			[]string{"o 10.245.0.0/24", "o 10.244.0.0/25", "o 10.244.0.1/24", "r 192.168.0.0/24", "a"},
			[]string{"10.245.0.0/24 is not a /24 block of cluster CIDR 10.244.0.0/16",
				"10.244.0.0/25 is not a /24 block of cluster CIDR 10.244.0.0/16",
				"10.244.0.1/24 is not a /24 block of cluster CIDR 10.244.0.0/16", "ok", "10.244.0.0/24"}},
		{"an unaligned cluster CIDR is masked; small blocks", "192.168.1.77/24", 26,
			[]string{"a", "a", "a", "a", "a"},
			[]string{"192.168.1.0/26", "192.168.1.64/26", "192.168.1.128/26", "192.168.1.192/26", "cluster CIDR is full"}},
		{"blocks cross octets", "10.0.0.0/8", 24,
			[]string{"o 10.0.255.0/24", "o 10.1.0.0/24", "r 10.1.0.0/24"},
			[]string{"ok", "ok", "ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := newAllocator(tt.cidr, tt.mask)
			if err != nil {
				t.Fatal(err)
			}
			for i, op := range tt.ops {
				var got string
				switch {
				case op == "a":
					p, err := a.allocate()
					got = p.String()
					if err != nil {
						got = err.Error()
					}
				case strings.HasPrefix(op, "o "), strings.HasPrefix(op, "r "):
					p := netip.MustParsePrefix(op[2:])
					got = "ok"
					if op[0] == 'r' {
						a.release(p)
					} else if err := a.occupy(p); err != nil {
						got = err.Error()
					}
				default:
					t.Fatalf("bad op %q", op)
				}
				if got != tt.results[i] {
					t.Fatalf("op %d %q = %q, want %q (ops %s)", i, op, got, tt.results[i], fmt.Sprint(tt.ops))
				}
			}
		})
	}
}

func TestIndexRoundTrip(t *testing.T) {
	a, err := newAllocator("10.0.0.0/8", 24)
	if err != nil {
		t.Fatal(err)
	}
	for _, idx := range []int{0, 1, 255, 256, 65535} {
		got, err := a.index(a.block(idx))
		if err != nil || got != idx {
			t.Fatalf("index(block(%d)) = %d, %v", idx, got, err)
		}
	}
}
