package proxy

import (
	"cmp"
	"slices"
)

// staleUDP lists the conntrack entries to forget when a service's part
// goes from old to new (either nil): those answered by an endpoint that
// left, and all of those to an address that had no endpoints before.
func staleUDP(old, new *ruleset) []UDPFlow {
	var oldUDP, newUDP map[udpAddr][]string
	if old != nil {
		oldUDP = old.udp
	}
	if new != nil {
		newUDP = new.udp
	}
	var flows []UDPFlow
	for a, ips := range newUDP {
		if len(oldUDP[a]) == 0 && len(ips) > 0 {
			flows = append(flows, UDPFlow{Addr: a.addr, Port: a.port})
		}
	}
	for a, ips := range oldUDP {
		for _, ip := range ips {
			if !slices.Contains(newUDP[a], ip) {
				flows = append(flows, UDPFlow{Addr: a.addr, Port: a.port, Endpoint: ip})
			}
		}
	}
	slices.SortFunc(flows, func(x, y UDPFlow) int {
		return cmp.Or(cmp.Compare(x.Addr, y.Addr), cmp.Compare(x.Port, y.Port), cmp.Compare(x.Endpoint, y.Endpoint))
	})
	return flows
}
