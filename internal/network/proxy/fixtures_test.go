package proxy

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

const testCIDR = "10.244.0.0/16"

// service is a ClusterIP service with one TCP port 80 named "http" going
// to the endpoints' port "http"; edit changes it further.
func service(ns, name, clusterIP string, edit ...func(*v1.Service)) *v1.Service {
	s := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.ServiceSpec{
			Type:      v1.ServiceTypeClusterIP,
			ClusterIP: clusterIP,
			Selector:  map[string]string{"app": name},
			Ports: []v1.ServicePort{{Name: "http", Protocol: v1.ProtocolTCP, Port: 80,
				TargetPort: intstr.FromString("http")}},
		},
	}
	for _, e := range edit {
		e(s)
	}
	return s
}

func nodePort(port int32) func(*v1.Service) {
	return func(s *v1.Service) {
		s.Spec.Type = v1.ServiceTypeNodePort
		s.Spec.Ports[0].NodePort = port
	}
}

func localTraffic(s *v1.Service) {
	s.Spec.ExternalTrafficPolicy = v1.ServiceExternalTrafficPolicyLocal
}

func affinity(timeout int32) func(*v1.Service) {
	return func(s *v1.Service) {
		s.Spec.SessionAffinity = v1.ServiceAffinityClientIP
		if timeout > 0 {
			s.Spec.SessionAffinityConfig = &v1.SessionAffinityConfig{ClientIP: &v1.ClientIPConfig{TimeoutSeconds: ptr.To(timeout)}}
		}
	}
}

// ep is one endpoint for slice: ip on node, ready unless said otherwise.
type ep struct {
	ip, node                      string
	notReady, terminating, serves bool
}

// slice is an IPv4 EndpointSlice of service svc with port "http" = port.
func slice(ns, svc, name string, port int32, eps ...ep) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
			Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports: []discoveryv1.EndpointPort{{Name: ptr.To("http"), Protocol: ptr.To(v1.ProtocolTCP),
			Port: ptr.To(port)}},
	}
	for _, e := range eps {
		c := discoveryv1.EndpointConditions{Ready: ptr.To(!e.notReady && !e.terminating)}
		if e.terminating {
			c.Terminating = ptr.To(true)
			c.Serving = ptr.To(e.serves)
		}
		d := discoveryv1.Endpoint{Addresses: []string{e.ip}, Conditions: c}
		if e.node != "" {
			d.NodeName = ptr.To(e.node)
		}
		s.Endpoints = append(s.Endpoints, d)
	}
	return s
}

// bigState has n NodePort services of m endpoints each, as in the bench.
func bigState(n, m int) State {
	s := State{NodeName: "node-a", ClusterCIDR: testCIDR}
	for i := range n {
		name := fmt.Sprintf("svc-%d", i)
		s.Services = append(s.Services, service("default", name,
			fmt.Sprintf("10.0.%d.%d", i/250, i%250+1), nodePort(int32(30000+i))))
		var eps []ep
		for j := range m {
			eps = append(eps, ep{ip: fmt.Sprintf("10.244.%d.%d", i/20, (i%20)*12+j+1)})
		}
		s.EndpointSlices = append(s.EndpointSlices, slice("default", name, name+"-1", 8080, eps...))
	}
	return s
}
