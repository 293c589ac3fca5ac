package cluster

import (
	"errors"
	"fmt"
	"net/netip"
)

// defaultSubnetBase is where default cluster subnets come from: the first
// free 172.30.N.0/24, N from 1.
var defaultSubnetBase = netip.MustParsePrefix("172.30.0.0/16")

// PickSubnet returns the first 172.30.N.0/24 (N from 1) overlapping nothing in used.
func PickSubnet(used []netip.Prefix) (netip.Prefix, error) {
	base := defaultSubnetBase.Addr().As4()
	for n := 1; n < 256; n++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{base[0], base[1], byte(n), 0}), 24)
		if _, clash := Overlap(p, used); !clash {
			return p, nil
		}
	}
	return netip.Prefix{}, errors.New("no free 172.30.N.0/24 subnet: every one overlaps a host address, route or cluster (choose one with --subnet)")
}

// Overlap returns the first prefix in used that shares an address with p.
func Overlap(p netip.Prefix, used []netip.Prefix) (netip.Prefix, bool) {
	for _, u := range used {
		if u.Overlaps(p) {
			return u, true
		}
	}
	return netip.Prefix{}, false
}

// ParseSubnet parses a --subnet: an IPv4 CIDR with room for the bridge and
// nodes addresses; the host bits are cleared.
func ParseSubnet(s string, nodes int) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid subnet %q: %w", s, err)
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("invalid subnet %q: want an IPv4 CIDR", s)
	}
	if p.Bits() < 8 || p.Bits() > 29 {
		return netip.Prefix{}, fmt.Errorf("invalid subnet %q: want a prefix length from /8 to /29", s)
	}
	p = p.Masked()
	if hosts := 1<<(32-p.Bits()) - 2; nodes+1 > hosts {
		return netip.Prefix{}, fmt.Errorf("subnet %s has room for %d nodes, not %d", p, hosts-1, nodes)
	}
	return p, nil
}

// HostAddr is the n-th address of p (n from 1, the bridge's; nodes follow),
// or false past the last usable one.
func HostAddr(p netip.Prefix, n int) (netip.Addr, bool) {
	if n < 1 || n >= 1<<(32-p.Bits())-1 {
		return netip.Addr{}, false
	}
	a := p.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// FreeNodeAddr is the lowest node address of p (from the second) not in taken.
func FreeNodeAddr(p netip.Prefix, taken []string) (netip.Addr, error) {
	used := map[string]bool{}
	for _, t := range taken {
		used[t] = true
	}
	for n := 2; ; n++ {
		a, ok := HostAddr(p, n)
		if !ok {
			return netip.Addr{}, fmt.Errorf("subnet %s is full", p)
		}
		if !used[a.String()] {
			return a, nil
		}
	}
}
