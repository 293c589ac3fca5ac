package proxy

import "strings"

// ruleset is the variable part of the table, in a form two versions of
// which can be compared: the chains made per service port and endpoint,
// the verdict maps' elements and the affinity sets. The fixed chains
// (hooks, masquerading, reject) are the same for every State.
type ruleset struct {
	// chains maps a chain name to its rules, in order.
	chains map[string][]string
	// maps holds each named map's elements, key → verdict, and each
	// named set's elements, key → "".
	maps map[string]map[string]string
	// sets maps an affinity set's name to its timeout in seconds.
	sets map[string]int32
	// dnat maps an endpoint map's name (that of the chain picking from
	// it) to the map.
	dnat map[string]endpointMap
	// cidr is the pod range the parts were compiled for (one per node);
	// the services chain masquerades ClusterIP traffic from outside it.
	cidr string
	// udp lists, in one service's part only, the endpoint addresses each
	// UDP service address sends to, to forget stale conntrack entries.
	udp map[udpAddr][]string
}

// udpAddr is a UDP address a service answers on; addr is empty for a
// node port, which answers on every local address.
type udpAddr struct {
	addr string
	port int32
}

// The named maps and sets. Keys are "ip . proto . port" for addresses a
// service answers on, "proto . port" for node ports and "ip . ip" for
// endpoints (to masquerade one reaching itself). Addresses are split by
// how they are masqueraded, so the services chain marks them with a few
// lookups instead of every service chain carrying its own rules (two
// rules a service were a fifth of nft's time on a whole table): cluster
// IPs from outside the pod range; external addresses and node ports served
// like cluster IPs, always; those with an external chain, as it decides.
const (
	setHairpin                = "hairpin"
	mapClusterIPs             = "cluster-ips"
	mapExternalIPs            = "external-ips"
	mapExternalChainIPs       = "external-chain-ips"
	mapNodePorts              = "nodeports"
	mapExternalChainNodePorts = "external-chain-nodeports"
	mapNoEndpointServices     = "no-endpoint-services"
	mapNoEndpointNodePorts    = "no-endpoint-nodeports"
)

// named is a named map or set of the table; decl is its type
// declaration ("type …" or "typeof …").
type named struct{ name, decl string }

// kind is "map" or "set", as nft commands spell it.
func (n named) kind() string {
	if strings.Contains(n.decl, " : ") {
		return "map"
	}
	return "set"
}

// element writes one element as nft expects it in the map or set.
func (n named) element(key, value string) string {
	if value == "" {
		return key
	}
	return key + " : " + value
}

var mapTypes = []named{
	{setHairpin, "type ipv4_addr . ipv4_addr"},
	{mapClusterIPs, "type ipv4_addr . inet_proto . inet_service : verdict"},
	{mapExternalIPs, "type ipv4_addr . inet_proto . inet_service : verdict"},
	{mapExternalChainIPs, "type ipv4_addr . inet_proto . inet_service : verdict"},
	{mapNodePorts, "type inet_proto . inet_service : verdict"},
	{mapExternalChainNodePorts, "type inet_proto . inet_service : verdict"},
	{mapNoEndpointServices, "type ipv4_addr . inet_proto . inet_service : verdict"},
	{mapNoEndpointNodePorts, "type inet_proto . inet_service : verdict"},
}

// endpointMap maps a random index to an endpoint's address and port.
type endpointMap struct {
	proto string
	elems map[string]string // index → "ip . port"
}

// named declares the map. nft has no type name for numgen's plain integer,
// hence typeof; the modulus in it does not bind the rules' moduli. The
// port is the service's protocol's: nft refuses a rule matching tcp that
// looks up a map typed with "th dport" once the map is in the kernel.
func (m endpointMap) named(name string) named {
	return named{name, "typeof numgen random mod 1 : ip daddr . " + m.proto + " dport"}
}

func newRuleset() *ruleset {
	rs := &ruleset{chains: map[string][]string{}, maps: map[string]map[string]string{}, sets: map[string]int32{},
		dnat: map[string]endpointMap{}, udp: map[udpAddr][]string{}}
	for _, m := range mapTypes {
		rs.maps[m.name] = map[string]string{}
	}
	return rs
}

// addElement keeps the first verdict for a key: two services claiming one
// address and port (an external IP given twice) must not make the whole
// transaction fail on a duplicate element.
func (rs *ruleset) addElement(m, key, verdict string) {
	if _, dup := rs.maps[m][key]; !dup {
		rs.maps[m][key] = verdict
	}
}

// fixedChain is a chain every table has, whatever its services.
type fixedChain struct {
	name, hook string
	rules      []string
}

// fixedChains are created once per table, in dependency order: a chain is
// listed after the chains and maps its rules name. Base chains come last.
// The filter chains run before DNAT (priority dstnat-10) so they still see
// the service address, and in prerouting so a ClusterIP with no route on
// the node is still refused rather than unreachable. Traffic from outside
// the pod range cidr (none when empty) to a ClusterIP must come back
// through this node to be un-DNATed, so it takes the node's address.
func fixedChains(cidr string) []fixedChain {
	key := "ip daddr . meta l4proto . th dport "
	var fromOutside []string
	if cidr != "" {
		fromOutside = []string{"ip saddr != " + cidr + " " + key + "@" + mapClusterIPs + " jump mark-for-masquerade"}
	}
	return []fixedChain{
		{name: "mark-for-masquerade", rules: []string{"meta mark set meta mark | 0x4000"}},
		{name: "masquerading", rules: []string{
			"ct status dnat ip saddr . ip daddr @" + setHairpin + " masquerade fully-random",
			"meta mark & 0x4000 == 0 return",
			"meta mark set meta mark ^ 0x4000",
			"masquerade fully-random",
		}},
		{name: "reject-chain", rules: []string{"reject"}},
		{name: "nodeports", rules: []string{
			"meta l4proto . th dport @" + mapNodePorts + " jump mark-for-masquerade",
			"meta l4proto . th dport vmap @" + mapNodePorts,
			"meta l4proto . th dport vmap @" + mapExternalChainNodePorts,
		}},
		{name: "services", rules: append(fromOutside,
			key+"vmap @"+mapClusterIPs,
			key+"@"+mapExternalIPs+" jump mark-for-masquerade",
			key+"vmap @"+mapExternalIPs,
			key+"vmap @"+mapExternalChainIPs,
			"fib daddr type local ip daddr != 127.0.0.0/8 jump nodeports",
		)},
		{name: "endpoints-check", rules: []string{
			"ip daddr . meta l4proto . th dport vmap @" + mapNoEndpointServices,
			"fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @" + mapNoEndpointNodePorts,
		}},
		{name: "filter-prerouting", hook: "type filter hook prerouting priority -110; policy accept;",
			rules: []string{"ct state new jump endpoints-check"}},
		{name: "filter-output", hook: "type filter hook output priority -110; policy accept;",
			rules: []string{"ct state new jump endpoints-check"}},
		{name: "nat-prerouting", hook: "type nat hook prerouting priority dstnat; policy accept;",
			rules: []string{"jump services"}},
		{name: "nat-output", hook: "type nat hook output priority -100; policy accept;",
			rules: []string{"jump services"}},
		{name: "nat-postrouting", hook: "type nat hook postrouting priority srcnat; policy accept;",
			rules: []string{"jump masquerading"}},
	}
}
