package main

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/network/proxy"
)

const benchNode = "bench-node"

// bigState is n NodePort services, each with one slice of m ready
// endpoints spread over two nodes.
func bigState(n, m int) proxy.State {
	s := proxy.State{NodeName: benchNode, ClusterCIDR: "10.244.0.0/16"}
	for i := range n {
		name := fmt.Sprintf("svc-%d", i)
		s.Services = append(s.Services, &v1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: name},
			Spec: v1.ServiceSpec{
				Type:      v1.ServiceTypeNodePort,
				ClusterIP: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1),
				Selector:  map[string]string{"app": name},
				Ports: []v1.ServicePort{{Name: "http", Protocol: v1.ProtocolTCP, Port: 80,
					TargetPort: intstr.FromString("http"), NodePort: int32(30000 + i%2768)}},
			},
		})
		s.EndpointSlices = append(s.EndpointSlices, endpointSlice(i, m, -1))
	}
	return s
}

// endpointSlice is service i's slice of m endpoints; endpoint notReady
// (if in range) is not ready.
func endpointSlice(i, m, notReady int) *discoveryv1.EndpointSlice {
	name := fmt.Sprintf("svc-%d", i)
	sl := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: name + "-1",
			Labels: map[string]string{discoveryv1.LabelServiceName: name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("http"), Protocol: ptr.To(v1.ProtocolTCP), Port: ptr.To(int32(8080))}},
	}
	for j := range m {
		node := benchNode
		if j%2 == 1 {
			node = "other-node"
		}
		sl.Endpoints = append(sl.Endpoints, discoveryv1.Endpoint{
			Addresses:  []string{fmt.Sprintf("10.244.%d.%d", (i*m+j)/250, (i*m+j)%250+1)},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(j != notReady)},
			NodeName:   ptr.To(node),
		})
	}
	return sl
}
