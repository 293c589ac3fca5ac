package endpointslice

import (
	"fmt"
	"net"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

const (
	// managedBy marks the slices this controller owns, as Kubernetes names it.
	managedBy = "endpointslice-controller.k8s.io"
	// maxEndpoints is Kubernetes' default --max-endpoints-per-slice.
	maxEndpoints = 100
)

// group is the desired endpoints sharing one set of resolved ports.
type group struct {
	ports     []discoveryv1.EndpointPort
	endpoints map[string]discoveryv1.Endpoint // by pod name
}

// desired computes the endpoints of a Service from its pods, grouped by
// port set (a named targetPort can resolve to different numbers per pod).
func desired(svc *corev1.Service, pods []*corev1.Pod, zone func(node string) string) map[string]*group {
	groups := map[string]*group{}
	for _, pod := range pods {
		ip := ipv4(pod)
		if ip == "" || !included(pod) {
			continue
		}
		ports := podPorts(svc, pod)
		key := portsKey(ports)
		g, ok := groups[key]
		if !ok {
			g = &group{ports: ports, endpoints: map[string]discoveryv1.Endpoint{}}
			groups[key] = g
		}
		g.endpoints[pod.Name] = endpoint(svc, pod, ip, zone)
	}
	return groups
}

func endpoint(svc *corev1.Service, pod *corev1.Pod, ip string, zone func(string) string) discoveryv1.Endpoint {
	serving := podstatus.Ready(pod)
	terminating := pod.DeletionTimestamp != nil
	// Ready stays false for terminating pods so old consumers stop sending
	// them traffic; serving tells newer ones they may still answer.
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	ep := discoveryv1.Endpoint{
		Addresses:  []string{ip},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		node := pod.Spec.NodeName
		ep.NodeName = &node
		if z := zone(node); z != "" {
			ep.Zone = &z
		}
	}
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name {
		h := pod.Spec.Hostname
		ep.Hostname = &h
	}
	return ep
}

// included leaves out pods that finished for good under their restart
// policy; terminating pods stay (with terminating=true).
func included(pod *corev1.Pod) bool {
	switch pod.Spec.RestartPolicy {
	case corev1.RestartPolicyNever:
		return pod.Status.Phase != corev1.PodFailed && pod.Status.Phase != corev1.PodSucceeded
	case corev1.RestartPolicyOnFailure:
		return pod.Status.Phase != corev1.PodSucceeded
	}
	return true
}

func ipv4(pod *corev1.Pod) string {
	for _, p := range pod.Status.PodIPs {
		if ip := net.ParseIP(p.IP); ip != nil && ip.To4() != nil {
			return p.IP
		}
	}
	if ip := net.ParseIP(pod.Status.PodIP); ip != nil && ip.To4() != nil {
		return pod.Status.PodIP
	}
	return ""
}

// podPorts resolves the Service's ports against one pod, skipping named
// ports the pod does not have.
func podPorts(svc *corev1.Service, pod *corev1.Pod) []discoveryv1.EndpointPort {
	ports := []discoveryv1.EndpointPort{}
	for _, sp := range svc.Spec.Ports {
		var num int32
		if sp.TargetPort.Type == intstr.String {
			num = namedPort(pod, sp.TargetPort.StrVal, sp.Protocol)
		} else if num = sp.TargetPort.IntVal; num == 0 {
			num = sp.Port
		}
		if num == 0 {
			continue
		}
		name, proto := sp.Name, sp.Protocol
		ports = append(ports, discoveryv1.EndpointPort{Name: &name, Port: &num, Protocol: &proto, AppProtocol: sp.AppProtocol})
	}
	sort.Slice(ports, func(i, j int) bool { return *ports[i].Name < *ports[j].Name })
	return ports
}

func namedPort(pod *corev1.Pod, name string, proto corev1.Protocol) int32 {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name && p.Protocol == proto {
				return p.ContainerPort
			}
		}
	}
	return 0
}

func portsKey(ports []discoveryv1.EndpointPort) string {
	var b strings.Builder
	for _, p := range ports {
		proto := corev1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		name := ""
		if p.Name != nil {
			name = *p.Name
		}
		var num int32
		if p.Port != nil {
			num = *p.Port
		}
		fmt.Fprintf(&b, "%s/%d/%s;", name, num, proto)
	}
	return b.String()
}

func zoneOf(node *corev1.Node) string { return node.Labels[corev1.LabelTopologyZone] }
