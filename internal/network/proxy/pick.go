package proxy

import (
	"fmt"
	"strconv"
	"strings"
)

// picker writes the rules choosing one endpoint, and the endpoint chains
// they go to.
type picker struct {
	rs       *ruleset
	key      string
	proto    string
	affinity int32 // seconds; 0 without session affinity
}

// pick returns the rules of chain sending a packet to one of eps, picked
// at random. Without session affinity one DNAT through a map does it, so
// a service costs one chain however many endpoints it has (the kernel
// listing, and with it every nft run, grows with the chain count). The
// map is named after the chain rather than anonymous: the kernel finds a
// free name for each new anonymous set by walking all the table's sets,
// and nft took 30 ms more CPU for 1,000 services with anonymous maps. An
// endpoint change then rewrites map elements, and the rule only when the
// endpoint count changes. With affinity each endpoint needs its own chain
// to record its clients. No endpoints drops (a traffic policy Local with
// none on this node, as kube-proxy does).
func (p picker) pick(chain string, eps []endpoint) []string {
	if len(eps) == 0 {
		return []string{"drop"}
	}
	for _, e := range eps {
		// An endpoint reaching itself through the service (hairpin) must
		// see the reply come from the node, not from its own address. A
		// pod's ClusterIP traffic is DNATed on its own node, and its node
		// port or external IP traffic elsewhere is masqueraded anyway, so
		// endpoints on other nodes need no pair: that halves the set with
		// two nodes, and a whole table's 10,000 pairs took nft 30-40 ms.
		if !e.Remote {
			p.rs.addElement(setHairpin, e.IP+" . "+e.IP, "")
		}
	}
	if p.affinity == 0 {
		if len(eps) == 1 {
			return []string{fmt.Sprintf("meta l4proto %s dnat to %s", p.proto, eps[0].addr())}
		}
		elems := make(map[string]string, len(eps))
		for i, e := range eps {
			elems[strconv.Itoa(i)] = e.IP + " . " + itoa(e.Port)
		}
		m := endpointMapName(chain)
		p.rs.dnat[m] = endpointMap{proto: p.proto, elems: elems}
		return []string{fmt.Sprintf("meta l4proto %s dnat ip to numgen random mod %d map @%s", p.proto, len(eps), m)}
	}
	var rules []string
	targets := make([]string, len(eps))
	for i, e := range eps {
		targets[i] = p.endpointChain(e)
		rules = append(rules, fmt.Sprintf("ip saddr @%s goto %s", affinitySet(p.key, e.addr(), p.affinity), targets[i]))
	}
	if len(eps) == 1 {
		return append(rules, "goto "+targets[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "numgen random mod %d vmap { ", len(eps))
	for i, t := range targets {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d : goto %s", i, t)
	}
	b.WriteString(" }")
	return append(rules, b.String())
}

// endpointChain adds (once) the chain recording a client's affinity to e
// and DNATing to it, and returns its name.
func (p picker) endpointChain(e endpoint) string {
	name := endpointChain(p.key, e.addr())
	if _, done := p.rs.chains[name]; done {
		return name
	}
	set := affinitySet(p.key, e.addr(), p.affinity)
	p.rs.sets[set] = p.affinity
	p.rs.chains[name] = []string{
		"update @" + set + " { ip saddr }",
		fmt.Sprintf("meta l4proto %s dnat to %s", p.proto, e.addr()),
	}
	return name
}
