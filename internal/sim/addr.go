package sim

import (
	"fmt"
	"net/netip"
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// maxNodes is how many nodes the address plan below has room for: pod
// CIDRs are 10.64.0.0/24 … 10.255.255.0/24, clear of the default
// service range 10.0.0.0/24.
const maxNodes = (256 - 64) * 256

// nodeIP is node i's fake InternalIP, from 100.64.0.0/10 (carrier-grade
// NAT space) so it never collides with pod or service addresses.
func nodeIP(i int) netip.Addr {
	n := i + 1
	return netip.AddrFrom4([4]byte{100, byte(64 + n>>16), byte(n >> 8), byte(n)})
}

// podCIDR is node i's pod range when the node has no spec.podCIDR.
func podCIDR(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(64 + i>>8), byte(i), 0}), 24)
}

// podIPs hands out pod addresses on one node, as host-local IPAM would:
// unique among the node's live pods, skipping the network address, the
// gateway (.1) and the last address.
type podIPs struct {
	mu     sync.Mutex
	prefix netip.Prefix
	byUID  map[types.UID]netip.Addr
	used   map[netip.Addr]bool
	next   netip.Addr
}

func newPodIPs(prefix netip.Prefix) *podIPs {
	prefix = prefix.Masked()
	return &podIPs{prefix: prefix, byUID: map[types.UID]netip.Addr{}, used: map[netip.Addr]bool{}, next: first(prefix)}
}

func first(p netip.Prefix) netip.Addr { return p.Addr().Next().Next() }

// usable is false for addresses outside the range and for its last one.
func (a *podIPs) usable(ip netip.Addr) bool {
	return a.prefix.Contains(ip) && a.prefix.Contains(ip.Next()) && ip.Compare(first(a.prefix)) >= 0
}

// assign returns uid's address, allocating one on first use.
func (a *podIPs) assign(uid types.UID) (netip.Addr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ip, ok := a.byUID[uid]; ok {
		return ip, nil
	}
	ip := a.next
	for range 1 << 16 {
		if !a.usable(ip) {
			ip = first(a.prefix)
		}
		if !a.used[ip] {
			a.byUID[uid], a.used[ip] = ip, true
			a.next = ip.Next()
			return ip, nil
		}
		ip = ip.Next()
	}
	return netip.Addr{}, fmt.Errorf("no free pod address in %s", a.prefix)
}

// reserve records an address a pod already reports (after a sim restart),
// so it is not handed out twice.
func (a *podIPs) reserve(uid types.UID, ip netip.Addr) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.byUID[uid]; ok || !a.usable(ip) || a.used[ip] {
		return
	}
	a.byUID[uid], a.used[ip] = ip, true
}

func (a *podIPs) release(uid types.UID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ip, ok := a.byUID[uid]; ok {
		delete(a.used, ip)
		delete(a.byUID, uid)
	}
}
