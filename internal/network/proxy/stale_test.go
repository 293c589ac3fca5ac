package proxy

import (
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"
)

func TestStaleUDP(t *testing.T) {
	dns := service("kube-system", "dns", "10.0.0.10", func(s *v1.Service) {
		s.Spec.Type = v1.ServiceTypeNodePort
		s.Spec.Ports = []v1.ServicePort{{Name: "http", Protocol: v1.ProtocolUDP, Port: 53, NodePort: 30053}}
	})
	udpSlice := func(eps ...ep) []*discoveryv1.EndpointSlice {
		s := slice("kube-system", "dns", "dns-1", 5353, eps...)
		s.Ports[0].Protocol = ptr.To(v1.ProtocolUDP)
		return []*discoveryv1.EndpointSlice{s}
	}
	part := func(eps ...ep) *ruleset { return compileService(dns, udpSlice(eps...), "", "") }
	a, b := ep{ip: "10.244.1.2"}, ep{ip: "10.244.1.3"}
	for _, tc := range []struct {
		name     string
		old, new *ruleset
		want     []UDPFlow
	}{
		{"unchanged", part(a, b), part(a, b), nil},
		{"an endpoint joining leaves the others' flows", part(a), part(a, b), nil},
		{"an endpoint leaving", part(a, b), part(a), []UDPFlow{
			{Port: 30053, Endpoint: "10.244.1.3"}, {Addr: "10.0.0.10", Port: 53, Endpoint: "10.244.1.3"}}},
		{"first endpoints: everything sent while refused", part(), part(a), []UDPFlow{{Port: 30053}, {Addr: "10.0.0.10", Port: 53}}},
		{"a new service", nil, part(a), []UDPFlow{{Port: 30053}, {Addr: "10.0.0.10", Port: 53}}},
		{"a deleted service", part(a), nil, []UDPFlow{{Port: 30053, Endpoint: "10.244.1.2"}, {Addr: "10.0.0.10", Port: 53, Endpoint: "10.244.1.2"}}},
		{"TCP has none", compileService(service("default", "web", "10.0.0.5"), []*discoveryv1.EndpointSlice{twoReady}, "", ""), nil, nil},
	} {
		if got := staleUDP(tc.old, tc.new); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
