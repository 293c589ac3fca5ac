package proxy

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// endpoint is one address:port backing one service port.
type endpoint struct {
	IP          string
	Port        int32
	Local       bool // on this node
	Remote      bool // known to be on another node
	Ready       bool
	Serving     bool
	Terminating bool
}

func (e endpoint) addr() string { return e.IP + ":" + strconv.Itoa(int(e.Port)) }

// portEndpoints lists the endpoints of service port sp from the service's
// slices: the slice port is found by name and protocol (so a named
// targetPort resolves per pod), an address listed twice (a slice being
// replaced by another) counts once, preferring its ready copy. The result
// is sorted so the rules, and the random pick's indices, are stable.
func portEndpoints(epSlices []*discoveryv1.EndpointSlice, sp v1.ServicePort, nodeName string) []endpoint {
	byAddr := map[string]endpoint{}
	for _, s := range epSlices {
		if s.AddressType != discoveryv1.AddressTypeIPv4 {
			continue
		}
		port, ok := slicePort(s, sp)
		if !ok {
			continue
		}
		for _, e := range s.Endpoints {
			if len(e.Addresses) == 0 {
				continue
			}
			ip, err := netip.ParseAddr(e.Addresses[0])
			if err != nil || !ip.Is4() {
				continue
			}
			ep := endpoint{
				IP:          ip.String(),
				Port:        port,
				Local:       nodeName != "" && e.NodeName != nil && *e.NodeName == nodeName,
				Remote:      nodeName != "" && e.NodeName != nil && *e.NodeName != nodeName,
				Ready:       e.Conditions.Ready == nil || *e.Conditions.Ready,
				Terminating: e.Conditions.Terminating != nil && *e.Conditions.Terminating,
			}
			// Serving defaults to Ready, as the API documents.
			ep.Serving = ep.Ready
			if e.Conditions.Serving != nil {
				ep.Serving = *e.Conditions.Serving
			}
			if old, seen := byAddr[ep.addr()]; seen && old.Ready {
				continue
			}
			byAddr[ep.addr()] = ep
		}
	}
	out := make([]endpoint, 0, len(byAddr))
	for _, e := range byAddr {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b endpoint) int {
		ai, _ := netip.ParseAddr(a.IP)
		bi, _ := netip.ParseAddr(b.IP)
		return cmp.Or(ai.Compare(bi), cmp.Compare(a.Port, b.Port))
	})
	return out
}

// slicePort finds the slice's port for service port sp: same name (an
// unnamed service port matches an unnamed slice port) and protocol.
func slicePort(s *discoveryv1.EndpointSlice, sp v1.ServicePort) (int32, bool) {
	for _, p := range s.Ports {
		name, proto := "", v1.ProtocolTCP
		if p.Name != nil {
			name = *p.Name
		}
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		if name == sp.Name && proto == protocolOf(sp) && p.Port != nil {
			return *p.Port, true
		}
	}
	return 0, false
}

func protocolOf(sp v1.ServicePort) v1.Protocol {
	if sp.Protocol == "" {
		return v1.ProtocolTCP
	}
	return sp.Protocol
}

// usable picks the endpoints traffic may go to, as kube-proxy does: the
// ready ones, or, when none is ready, those still serving while they
// terminate, so a rolling update of the last pods does not drop traffic.
func usable(eps []endpoint, onlyLocal bool) []endpoint {
	var ready, terminating []endpoint
	for _, e := range eps {
		if onlyLocal && !e.Local {
			continue
		}
		switch {
		case e.Ready && !e.Terminating:
			ready = append(ready, e)
		case e.Serving && e.Terminating:
			terminating = append(terminating, e)
		}
	}
	if len(ready) > 0 {
		return ready
	}
	return terminating
}
