package proxy

import (
	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"
)

// externalCases are about node ports, external addresses, traffic
// policies and services that must have no rules or refuse.
var externalCases = []renderCase{{
	name: "node port answers on local addresses, masqueraded",
	state: State{NodeName: "node-a", Services: []*v1.Service{service("default", "web", "10.0.0.5", nodePort(30080))},
		EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want: []string{
		"fib daddr type local ip daddr != 127.0.0.0/8 jump nodeports",
		"meta l4proto . th dport @nodeports jump mark-for-masquerade\n\t\tmeta l4proto . th dport vmap @nodeports\n",
		"map nodeports { type inet_proto . inet_service : verdict; elements = {\n\t\ttcp . 30080 : goto " + webSvc,
		"chain " + webSvc + " {\n\t\tmeta l4proto tcp dnat ip to numgen",
	},
	notWant: []string{webExt},
}, {
	name: "internal policy Local with external policy Cluster sends external traffic to all endpoints",
	state: State{NodeName: "node-b", Services: []*v1.Service{service("default", "web", "10.0.0.5", nodePort(30080), func(s *v1.Service) {
		s.Spec.InternalTrafficPolicy = ptr.To(v1.ServiceInternalTrafficPolicyLocal)
	})}, EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want: []string{
		"map external-chain-nodeports { type inet_proto . inet_service : verdict; elements = {\n\t\ttcp . 30080 : goto " + webExt,
		"chain " + webExt + " {\n\t\tjump mark-for-masquerade\n\t\tmeta l4proto tcp dnat ip to numgen random mod 2",
		"chain " + webSvc + " {\n\t\tmeta l4proto tcp dnat to 10.244.2.2:8080\n",
	},
}, {
	name: "external traffic policy Local keeps node port traffic on this node, unmasqueraded",
	state: State{NodeName: "node-a", ClusterCIDR: testCIDR, Services: []*v1.Service{service("default", "web", "10.0.0.5", nodePort(30080), localTraffic)},
		EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want: []string{
		"ip saddr 10.244.0.0/16 goto " + webSvc + "\n\t\tfib saddr type local jump mark-for-masquerade\n\t\tfib saddr type local goto " + webSvc +
			"\n\t\tmeta l4proto tcp dnat to 10.244.1.2:8080\n",
	},
}, {
	name: "external traffic policy Local without a local endpoint drops",
	state: State{NodeName: "node-c", Services: []*v1.Service{service("default", "web", "10.0.0.5", nodePort(30080), localTraffic)},
		EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want: []string{"fib saddr type local goto " + webSvc + "\n\t\tdrop\n"},
}, {
	name: "internal traffic policy Local keeps cluster IP traffic on this node",
	state: State{NodeName: "node-b", Services: []*v1.Service{service("default", "web", "10.0.0.5", func(s *v1.Service) {
		s.Spec.InternalTrafficPolicy = ptr.To(v1.ServiceInternalTrafficPolicyLocal)
	})}, EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want:    []string{"meta l4proto tcp dnat to 10.244.2.2:8080"},
	notWant: []string{"10.244.1.2"},
}, {
	name: "external IPs and load-balancer addresses are masqueraded to the service chain",
	state: State{Services: []*v1.Service{service("default", "web", "10.0.0.5", nodePort(30080), func(s *v1.Service) {
		s.Spec.Type = v1.ServiceTypeLoadBalancer
		s.Spec.ExternalIPs = []string{"192.0.2.7"}
		s.Status.LoadBalancer.Ingress = []v1.LoadBalancerIngress{{IP: "192.0.2.8"}}
	})}, EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want: []string{
		"map external-ips { type ipv4_addr . inet_proto . inet_service : verdict; elements = {\n\t\t192.0.2.7 . tcp . 80 : goto " + webSvc +
			",\n\t\t192.0.2.8 . tcp . 80 : goto " + webSvc + " }",
		"ip daddr . meta l4proto . th dport @external-ips jump mark-for-masquerade\n\t\tip daddr . meta l4proto . th dport vmap @external-ips\n",
		"tcp . 30080 : goto " + webSvc,
	},
}, {
	name: "external IPs with traffic policy Local go to the external chain, which masquerades",
	state: State{NodeName: "node-a", Services: []*v1.Service{service("default", "web", "10.0.0.5", localTraffic, func(s *v1.Service) {
		s.Spec.ExternalIPs = []string{"192.0.2.7"}
	})}, EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want: []string{
		"map external-chain-ips { type ipv4_addr . inet_proto . inet_service : verdict; elements = {\n\t\t192.0.2.7 . tcp . 80 : goto " + webExt + " }",
		"map external-ips { type ipv4_addr . inet_proto . inet_service : verdict; }",
	},
}, {
	name:  "a service without endpoints is rejected",
	state: State{Services: []*v1.Service{service("default", "web", "10.0.0.5", nodePort(30080))}},
	want: []string{
		"map no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict; elements = {\n\t\t10.0.0.5 . tcp . 80 : goto reject-chain }",
		"tcp . 30080 : goto reject-chain",
		"chain filter-prerouting {\n\t\ttype filter hook prerouting priority -110; policy accept;\n\t\tct state new jump endpoints-check",
	},
	notWant: []string{webSvc, webExt},
}, {
	name: "headless and ExternalName services have no rules",
	state: State{Services: []*v1.Service{
		service("default", "web", "None"),
		service("default", "ext", "", func(s *v1.Service) { s.Spec.Type = v1.ServiceTypeExternalName; s.Spec.ExternalName = "example.com" }),
	}, EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	notWant: []string{"default/web", "default/ext", "10.244.1.2", "goto reject-chain"},
}, {
	name: "a selectorless service with manual slices is proxied",
	state: State{Services: []*v1.Service{service("default", "web", "10.0.0.5", func(s *v1.Service) { s.Spec.Selector = nil })},
		EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want: []string{"10.0.0.5 . tcp . 80 : goto " + webSvc, "10.244.2.2 . 8080"},
}, {
	name: "UDP ports match UDP",
	state: State{Services: []*v1.Service{service("kube-system", "dns", "10.0.0.10", func(s *v1.Service) {
		s.Spec.Ports = []v1.ServicePort{{Name: "dns", Protocol: v1.ProtocolUDP, Port: 53}}
	})}, EndpointSlices: []*discoveryv1.EndpointSlice{func() *discoveryv1.EndpointSlice {
		s := slice("kube-system", "dns", "dns-1", 53, ep{ip: "10.244.1.9"})
		s.Ports[0] = discoveryv1.EndpointPort{Name: ptr.To("dns"), Protocol: ptr.To(v1.ProtocolUDP), Port: ptr.To(int32(5353))}
		return s
	}()}},
	want: []string{"10.0.0.10 . udp . 53 : goto " + serviceChain("kube-system/dns/udp/dns"), "meta l4proto udp dnat to 10.244.1.9:5353"},
}}
