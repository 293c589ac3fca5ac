package dns

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func service(ns, name, clusterIP string, ports ...corev1.ServicePort) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: clusterIP, Ports: ports}}
	if clusterIP != corev1.ClusterIPNone && clusterIP != "" {
		s.Spec.ClusterIPs = []string{clusterIP}
	}
	return s
}

type endpoint struct {
	ip, hostname string
	ready        bool
}

func slice(ns, svc, name string, port *discoveryv1.EndpointPort, eps ...endpoint) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
			Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: discoveryv1.AddressTypeIPv4,
	}
	if port != nil {
		s.Ports = []discoveryv1.EndpointPort{*port}
	}
	for _, e := range eps {
		ep := discoveryv1.Endpoint{Addresses: []string{e.ip}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(e.ready)}}
		if e.hostname != "" {
			ep.Hostname = ptr.To(e.hostname)
		}
		s.Endpoints = append(s.Endpoints, ep)
	}
	return s
}

// fixture is a small cluster: a ClusterIP service with a named port, a
// dual-stack one, a headless StatefulSet-like service, an ExternalName
// pointing out and one pointing in.
func fixture() *Index {
	web := service("default", "web", "10.0.0.20",
		corev1.ServicePort{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP},
		corev1.ServicePort{Port: 81, Protocol: corev1.ProtocolTCP})
	dual := service("default", "dual", "10.0.0.21")
	dual.Spec.ClusterIPs = []string{"10.0.0.21", "fd00::21"}
	db := service("data", "db", corev1.ClusterIPNone)
	ext := service("default", "ext", "")
	ext.Spec.Type, ext.Spec.ExternalName = corev1.ServiceTypeExternalName, "Example.COM"
	alias := service("default", "alias", "")
	alias.Spec.Type, alias.Spec.ExternalName = corev1.ServiceTypeExternalName, "web.default.svc.cluster.local"
	pgPort := &discoveryv1.EndpointPort{Name: ptr.To("pg"), Port: ptr.To[int32](5432), Protocol: ptr.To(corev1.ProtocolTCP)}
	return Build("cluster.local", []*corev1.Service{web, dual, db, ext, alias},
		[]*discoveryv1.EndpointSlice{
			slice("data", "db", "db-1", pgPort,
				endpoint{ip: "10.244.1.5", hostname: "db-0", ready: true},
				endpoint{ip: "10.244.2.6", ready: true},
				endpoint{ip: "10.244.2.7", hostname: "db-2", ready: false}),
			// A second slice repeating an address must not double it.
			slice("data", "db", "db-2", pgPort, endpoint{ip: "10.244.1.5", hostname: "db-0", ready: true}),
			// A slice of a service that does not exist (yet) is ignored.
			slice("data", "gone", "gone-1", nil, endpoint{ip: "10.244.3.3", ready: true}),
		}, 7)
}
