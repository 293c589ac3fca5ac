package proxy

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// defaultAffinityTimeout is Kubernetes' default for ClientIP affinity.
const defaultAffinityTimeout int32 = 10800

// compile builds the variable part of the table for s.
func compile(s State) *ruleset {
	x := newIndex()
	x.fill(compileAll(s))
	return x.rs
}

// compileAll compiles every service of s, by namespace/name.
func compileAll(s State) map[string]*ruleset {
	bySvc := map[string][]*discoveryv1.EndpointSlice{}
	for _, sl := range s.EndpointSlices {
		if name := sl.Labels[discoveryv1.LabelServiceName]; name != "" {
			k := sl.Namespace + "/" + name
			bySvc[k] = append(bySvc[k], sl)
		}
	}
	frags := make(map[string]*ruleset, len(s.Services))
	for _, svc := range s.Services {
		k := svc.Namespace + "/" + svc.Name
		frags[k] = compileService(svc, bySvc[k], s.NodeName, s.ClusterCIDR)
	}
	return frags
}

// compileService builds one service's part of the table from its
// EndpointSlices, so a change to one service recompiles only that part.
func compileService(svc *v1.Service, epSlices []*discoveryv1.EndpointSlice, nodeName, clusterCIDR string) *ruleset {
	rs := newRuleset()
	if p, err := netip.ParsePrefix(clusterCIDR); err == nil && p.Addr().Is4() {
		rs.cidr = p.Masked().String()
	}
	if svc.Spec.Type == v1.ServiceTypeExternalName {
		return rs
	}
	for _, sp := range svc.Spec.Ports {
		compilePort(rs, svc, sp, portEndpoints(epSlices, sp, nodeName))
	}
	return rs
}

// compilePort adds the chains and map elements of one service port.
func compilePort(rs *ruleset, svc *v1.Service, sp v1.ServicePort, eps []endpoint) {
	proto := strings.ToLower(string(protocolOf(sp)))
	key := portKey(svc.Namespace, svc.Name, proto, sp.Name, sp.Port)
	clusterIP := ipv4(svc.Spec.ClusterIP)
	var external []string // addresses other than the ClusterIP the service answers on
	for _, a := range svc.Spec.ExternalIPs {
		if ip := ipv4(a); ip != "" {
			external = append(external, ip)
		}
	}
	for _, ing := range svc.Status.LoadBalancer.Ingress {
		if ip := ipv4(ing.IP); ip != "" {
			external = append(external, ip)
		}
	}
	nodePort := sp.NodePort
	if svc.Spec.Type != v1.ServiceTypeNodePort && svc.Spec.Type != v1.ServiceTypeLoadBalancer {
		nodePort = 0
	}
	if clusterIP == "" && len(external) == 0 && nodePort == 0 {
		return // headless, or not allocated yet
	}

	clusterEps := usable(eps, false)
	if len(clusterEps) == 0 {
		// A service with no endpoints must not answer: refuse, as kube-proxy does.
		for _, ip := range append(addrs(clusterIP), external...) {
			rs.addElement(mapNoEndpointServices, ip+" . "+proto+" . "+itoa(sp.Port), "goto reject-chain")
		}
		if nodePort != 0 {
			rs.addElement(mapNoEndpointNodePorts, proto+" . "+itoa(nodePort), "goto reject-chain")
		}
		return
	}

	if proto == "udp" {
		recordUDP(rs, clusterIP, external, sp.Port, nodePort, clusterEps)
	}
	var affinity int32
	if svc.Spec.SessionAffinity == v1.ServiceAffinityClientIP {
		affinity = defaultAffinityTimeout
		if c := svc.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
			affinity = *c.ClientIP.TimeoutSeconds
		}
	}
	p := picker{rs: rs, key: key, proto: proto, affinity: affinity}

	svcChain := serviceChain(key)
	internal := clusterEps
	if pol := svc.Spec.InternalTrafficPolicy; pol != nil && *pol == v1.ServiceInternalTrafficPolicyLocal {
		internal = usable(eps, true)
	}
	hasExternal := len(external) > 0 || nodePort != 0
	// The external chain is needed only where external traffic is not
	// served like ClusterIP traffic: policy Local outside, or Local inside
	// with Cluster outside. Otherwise the service chain takes it, and the
	// services chain masquerades it — a chain fewer per service, and every
	// nft run lists all chains.
	ownChain := svc.Spec.ExternalTrafficPolicy == v1.ServiceExternalTrafficPolicyLocal ||
		!slices.Equal(internal, clusterEps) || clusterIP == ""
	rs.chains[svcChain] = p.pick(svcChain, internal)
	if clusterIP != "" {
		rs.addElement(mapClusterIPs, clusterIP+" . "+proto+" . "+itoa(sp.Port), "goto "+svcChain)
	}
	if !hasExternal {
		return
	}
	extChain, ipMap, portMap := svcChain, mapExternalIPs, mapNodePorts
	if ownChain {
		extChain, ipMap, portMap = externalChain(key), mapExternalChainIPs, mapExternalChainNodePorts
		rs.chains[extChain] = p.externalRules(svc, svcChain, extChain, clusterEps, usable(eps, true), rs.cidr)
	}
	for _, ip := range external {
		rs.addElement(ipMap, ip+" . "+proto+" . "+itoa(sp.Port), "goto "+extChain)
	}
	if nodePort != 0 {
		rs.addElement(portMap, proto+" . "+itoa(nodePort), "goto "+extChain)
	}
}

// recordUDP notes where a UDP service port's addresses send to.
func recordUDP(rs *ruleset, clusterIP string, external []string, port, nodePort int32, eps []endpoint) {
	ips := make([]string, len(eps))
	for i, e := range eps {
		ips[i] = e.IP
	}
	for _, a := range append(addrs(clusterIP), external...) {
		rs.udp[udpAddr{a, port}] = ips
	}
	if nodePort != 0 {
		rs.udp[udpAddr{"", nodePort}] = ips
	}
}

// externalRules is the chain for traffic reaching the service from
// outside: masqueraded to any endpoint for externalTrafficPolicy Cluster;
// for Local, kept to this node's endpoints with the client's address
// preserved, except for pods and the node itself, which are served like
// ClusterIP clients.
func (p picker) externalRules(svc *v1.Service, svcChain, extChain string, clusterEps, localEps []endpoint, cidr string) []string {
	if svc.Spec.ExternalTrafficPolicy != v1.ServiceExternalTrafficPolicyLocal {
		return append([]string{"jump mark-for-masquerade"}, p.pick(extChain, clusterEps)...)
	}
	var rules []string
	if cidr != "" {
		rules = append(rules, "ip saddr "+cidr+" goto "+svcChain)
	}
	rules = append(rules,
		"fib saddr type local jump mark-for-masquerade",
		"fib saddr type local goto "+svcChain)
	return append(rules, p.pick(extChain, localEps)...)
}

func ipv4(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return ""
	}
	return a.String()
}

func addrs(ip string) []string {
	if ip == "" {
		return nil
	}
	return []string{ip}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
