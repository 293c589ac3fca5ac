package routes

import (
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Route sends a node's pod CIDR to that node's address.
type Route struct {
	Dst netip.Prefix
	Via netip.Addr
	// Node is the owner's name; empty for a route read back from the kernel.
	Node string
}

// Reasons a node gets no route.
const (
	ReasonNoPodCIDR    = "no IPv4 pod CIDR yet"
	ReasonNoInternalIP = "no IPv4 InternalIP yet"
	ReasonOverlap      = "pod CIDR overlaps another node's"
)

// Skip is a node, or one of its pod CIDRs, left without a route and why.
type Skip struct {
	Node   string
	CIDR   string // empty when the whole node is skipped
	Reason string
}

// Desired is the routes the node named self needs to the other nodes: one
// per IPv4 pod CIDR of each node with an IPv4 InternalIP. A CIDR
// overlapping self's own (which sits on the local bridge) or one already
// claimed by a node earlier in name order is skipped rather than routed
// twice. The result is sorted by destination.
func Desired(nodes []*corev1.Node, self string) ([]Route, []Skip) {
	nodes = slices.Clone(nodes)
	// Self first, so its CIDRs are claimed before anyone else's; then by
	// name, so which of two overlapping nodes wins does not depend on
	// informer order.
	slices.SortFunc(nodes, func(a, b *corev1.Node) int {
		if (a.Name == self) != (b.Name == self) {
			if a.Name == self {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	var (
		routes  []Route
		skips   []Skip
		claimed []netip.Prefix
	)
	for _, n := range nodes {
		cidrs := podCIDRs(n)
		if n.Name == self {
			claimed = append(claimed, cidrs...)
			continue
		}
		if len(cidrs) == 0 {
			skips = append(skips, Skip{Node: n.Name, Reason: ReasonNoPodCIDR})
			continue
		}
		via, ok := internalIP(n)
		if !ok {
			skips = append(skips, Skip{Node: n.Name, Reason: ReasonNoInternalIP})
			continue
		}
		for _, c := range cidrs {
			if slices.ContainsFunc(claimed, c.Overlaps) {
				skips = append(skips, Skip{Node: n.Name, CIDR: c.String(), Reason: ReasonOverlap})
				continue
			}
			claimed = append(claimed, c)
			routes = append(routes, Route{Dst: c, Via: via, Node: n.Name})
		}
	}
	slices.SortFunc(routes, func(a, b Route) int { return comparePrefix(a.Dst, b.Dst) })
	return routes, skips
}

// podCIDRs is n's IPv4 pod CIDRs, masked: spec.podCIDRs when set (dual
// stack lists one per family), else spec.podCIDR.
func podCIDRs(n *corev1.Node) []netip.Prefix {
	raw := n.Spec.PodCIDRs
	if len(raw) == 0 && n.Spec.PodCIDR != "" {
		raw = []string{n.Spec.PodCIDR}
	}
	var out []netip.Prefix
	for _, s := range raw {
		p, err := netip.ParsePrefix(s)
		if err != nil || !p.Addr().Is4() {
			continue
		}
		out = append(out, p.Masked())
	}
	return out
}

// internalIP is n's first IPv4 InternalIP address.
func internalIP(n *corev1.Node) (netip.Addr, bool) {
	for _, a := range n.Status.Addresses {
		if a.Type != corev1.NodeInternalIP {
			continue
		}
		ip, err := netip.ParseAddr(a.Address)
		if err == nil && ip.Is4() {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// Diff is what turns the routes the kernel has into the desired ones:
// routes to replace (missing or with another next hop) and routes to
// delete (destinations no node wants any more).
func Diff(desired, current []Route) (replace, remove []Route) {
	have := make(map[netip.Prefix]netip.Addr, len(current))
	for _, r := range current {
		have[r.Dst] = r.Via
	}
	want := make(map[netip.Prefix]bool, len(desired))
	for _, r := range desired {
		want[r.Dst] = true
		if via, ok := have[r.Dst]; !ok || via != r.Via {
			replace = append(replace, r)
		}
	}
	for _, r := range current {
		if !want[r.Dst] {
			remove = append(remove, r)
		}
	}
	return replace, remove
}

// relevant reports whether a node update changed anything Desired reads,
// so status heartbeats do not each cost a sync.
func relevant(old, cur *corev1.Node) bool {
	if !slices.Equal(podCIDRs(old), podCIDRs(cur)) {
		return true
	}
	a, aok := internalIP(old)
	b, bok := internalIP(cur)
	return aok != bok || a != b
}
