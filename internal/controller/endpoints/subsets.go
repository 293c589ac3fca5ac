package endpoints

//lint:file-ignore SA1019 the Endpoints API is deprecated but still served, and this controller is what keeps it filled.

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

// maxAddresses is the number of addresses Kubernetes keeps in one Endpoints
// object; the rest are only in EndpointSlices.
const maxAddresses = 1000

// included says whether a pod belongs in Endpoints at all: it needs an IP,
// must not be terminating (unless the Service publishes not-ready addresses)
// and must not have finished for good under its restart policy.
func included(pod *corev1.Pod, includeTerminating bool) bool {
	if pod.Status.PodIP == "" {
		return false
	}
	if !includeTerminating && pod.DeletionTimestamp != nil {
		return false
	}
	switch pod.Spec.RestartPolicy {
	case corev1.RestartPolicyNever:
		return pod.Status.Phase != corev1.PodFailed && pod.Status.Phase != corev1.PodSucceeded
	case corev1.RestartPolicyOnFailure:
		return pod.Status.Phase != corev1.PodSucceeded
	}
	return true
}

// findPort resolves a Service port's targetPort against the pod's containers.
func findPort(pod *corev1.Pod, sp *corev1.ServicePort) (int32, error) {
	tp := sp.TargetPort
	if tp.Type == intstr.String {
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name == tp.StrVal && p.Protocol == sp.Protocol {
					return p.ContainerPort, nil
				}
			}
		}
		return 0, fmt.Errorf("no suitable port for manifest: %s", pod.UID)
	}
	if tp.IntVal == 0 {
		return sp.Port, nil
	}
	return tp.IntVal, nil
}

func address(pod *corev1.Pod, svc *corev1.Service) corev1.EndpointAddress {
	a := corev1.EndpointAddress{
		IP:        pod.Status.PodIP,
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		node := pod.Spec.NodeName
		a.NodeName = &node
	}
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name {
		a.Hostname = pod.Spec.Hostname
	}
	return a
}

// entry is one pod's address with the ports it serves.
type entry struct {
	addr  corev1.EndpointAddress
	ready bool
	ports []corev1.EndpointPort
}

// buildSubsets computes a Service's subsets from its pods, grouping
// addresses that serve the same ports, and caps them at maxAddresses.
// It reports whether addresses were dropped.
func buildSubsets(svc *corev1.Service, pods []*corev1.Pod) ([]corev1.EndpointSubset, bool) {
	headlessNoPorts := svc.Spec.ClusterIP == corev1.ClusterIPNone && len(svc.Spec.Ports) == 0
	var entries []entry
	for _, pod := range pods {
		if !included(pod, svc.Spec.PublishNotReadyAddresses) {
			continue
		}
		e := entry{addr: address(pod, svc), ready: svc.Spec.PublishNotReadyAddresses || podstatus.Ready(pod)}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			port, err := findPort(pod, sp)
			if err != nil {
				continue
			}
			e.ports = append(e.ports, corev1.EndpointPort{Name: sp.Name, Port: port, Protocol: sp.Protocol, AppProtocol: sp.AppProtocol})
		}
		if len(e.ports) == 0 && !headlessNoPorts {
			continue
		}
		entries = append(entries, e)
	}
	return group(entries)
}

// group packs entries into subsets keyed by their port set, sorted so equal
// input always gives equal output (which is what lets sync skip writes).
func group(entries []entry) ([]corev1.EndpointSubset, bool) {
	total := len(entries)
	truncated := total > maxAddresses
	if truncated {
		// Keep ready addresses first: they are the ones that carry traffic.
		sort.SliceStable(entries, func(i, j int) bool { return entries[i].ready && !entries[j].ready })
		entries = entries[:maxAddresses]
	}
	byKey := map[string]*corev1.EndpointSubset{}
	var keys []string
	for _, e := range entries {
		sort.Slice(e.ports, func(i, j int) bool { return portKey(e.ports[i]) < portKey(e.ports[j]) })
		var b strings.Builder
		for _, p := range e.ports {
			b.WriteString(portKey(p))
			b.WriteByte(';')
		}
		k := b.String()
		ss, ok := byKey[k]
		if !ok {
			ss = &corev1.EndpointSubset{Ports: e.ports}
			byKey[k] = ss
			keys = append(keys, k)
		}
		if e.ready {
			ss.Addresses = append(ss.Addresses, e.addr)
		} else {
			ss.NotReadyAddresses = append(ss.NotReadyAddresses, e.addr)
		}
	}
	sort.Strings(keys)
	subsets := make([]corev1.EndpointSubset, 0, len(keys))
	for _, k := range keys {
		ss := byKey[k]
		sortAddresses(ss.Addresses)
		sortAddresses(ss.NotReadyAddresses)
		subsets = append(subsets, *ss)
	}
	return subsets, truncated
}

func portKey(p corev1.EndpointPort) string {
	return fmt.Sprintf("%s/%d/%s", p.Name, p.Port, p.Protocol)
}

func sortAddresses(a []corev1.EndpointAddress) {
	sort.Slice(a, func(i, j int) bool {
		if a[i].IP != a[j].IP {
			return a[i].IP < a[j].IP
		}
		return a[i].TargetRef.Name < a[j].TargetRef.Name
	})
}
