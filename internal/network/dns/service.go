package dns

import (
	"context"
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// The Service is named and labelled as kubeadm's CoreDNS deployment names
// it, which tools, docs and users' NetworkPolicies expect.
const (
	ServiceName      = "kube-dns"
	ServiceNamespace = metav1.NamespaceSystem
	// sliceName is fixed so re-running EnsureService finds its slice.
	sliceName = "kube-dns-bosun"
	// managedBy keeps the endpointslice controller, which only touches
	// slices labelled as its own, away from ours.
	managedBy = "bosun-dns"
)

var serviceLabels = map[string]string{
	"k8s-app":                       "kube-dns",
	"kubernetes.io/cluster-service": "true",
	"kubernetes.io/name":            "KubeDNS",
}

// EnsureService makes the kube-dns Service in kube-system, with clusterIP
// fixed and no selector, and an EndpointSlice pointing its dns (UDP) and
// dns-tcp (TCP) ports at endpointIP:port, where this server listens. It
// changes nothing that is already as wanted, and on a kube-dns Service a
// user made it only sets its labels and ports, keeping the rest; a
// different clusterIP is an error, being immutable.
func EnsureService(ctx context.Context, client kubernetes.Interface, clusterIP, endpointIP string, port int) error {
	if net.ParseIP(endpointIP) == nil {
		return fmt.Errorf("kube-dns endpoint %q is not an IP address", endpointIP)
	}
	svc, err := ensureServiceObject(ctx, client, clusterIP, port)
	if err != nil {
		return err
	}
	return ensureSlice(ctx, client, svc, endpointIP, port)
}

func ensureServiceObject(ctx context.Context, client kubernetes.Interface, clusterIP string, port int) (*corev1.Service, error) {
	services := client.CoreV1().Services(ServiceNamespace)
	cur, err := services.Get(ctx, ServiceName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: ServiceName, Namespace: ServiceNamespace},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: clusterIP,
				ClusterIPs: []string{clusterIP}},
		}
		mergeService(svc, port)
		created, err := services.Create(ctx, svc, metav1.CreateOptions{})
		if err != nil {
			return nil, fmt.Errorf("create service %s/%s: %w", ServiceNamespace, ServiceName, err)
		}
		return created, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get service %s/%s: %w", ServiceNamespace, ServiceName, err)
	}
	if cur.Spec.ClusterIP != clusterIP {
		return nil, fmt.Errorf("service %s/%s has clusterIP %q, want %q: delete it to let the cluster DNS take it",
			ServiceNamespace, ServiceName, cur.Spec.ClusterIP, clusterIP)
	}
	svc := cur.DeepCopy()
	if !mergeService(svc, port) {
		return cur, nil
	}
	updated, err := services.Update(ctx, svc, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("update service %s/%s: %w", ServiceNamespace, ServiceName, err)
	}
	return updated, nil
}

// mergeService sets the Service's labels and dns ports as the cluster DNS
// wants them, keeping everything else, and says whether it changed any.
func mergeService(svc *corev1.Service, port int) bool {
	changed := false
	if svc.Labels == nil {
		svc.Labels = map[string]string{}
	}
	for k, v := range serviceLabels {
		if svc.Labels[k] != v {
			svc.Labels[k] = v
			changed = true
		}
	}
	for _, want := range []corev1.ServicePort{
		{Name: "dns", Protocol: corev1.ProtocolUDP, Port: 53, TargetPort: intstr.FromInt32(int32(port))},
		{Name: "dns-tcp", Protocol: corev1.ProtocolTCP, Port: 53, TargetPort: intstr.FromInt32(int32(port))},
	} {
		i := portIndex(svc.Spec.Ports, want.Name)
		if i < 0 {
			svc.Spec.Ports = append(svc.Spec.Ports, want)
			changed = true
			continue
		}
		p := &svc.Spec.Ports[i]
		if p.Protocol != want.Protocol || p.Port != want.Port || p.TargetPort != want.TargetPort {
			p.Protocol, p.Port, p.TargetPort = want.Protocol, want.Port, want.TargetPort
			changed = true
		}
	}
	return changed
}

func portIndex(ports []corev1.ServicePort, name string) int {
	for i, p := range ports {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// desiredSlice is the EndpointSlice sending the Service's traffic to the
// server at ip:port.
func desiredSlice(svc *corev1.Service, ip string, port int) *discoveryv1.EndpointSlice {
	addressType := discoveryv1.AddressTypeIPv4
	if net.ParseIP(ip).To4() == nil {
		addressType = discoveryv1.AddressTypeIPv6
	}
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name: sliceName, Namespace: ServiceNamespace,
			Labels: map[string]string{discoveryv1.LabelServiceName: ServiceName, discoveryv1.LabelManagedBy: managedBy},
			// The garbage collector removes the slice with its Service.
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID}},
		},
		AddressType: addressType,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{ip},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true), Serving: ptr.To(true), Terminating: ptr.To(false)},
		}},
		Ports: []discoveryv1.EndpointPort{
			{Name: ptr.To("dns"), Protocol: ptr.To(corev1.ProtocolUDP), Port: ptr.To(int32(port))},
			{Name: ptr.To("dns-tcp"), Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(int32(port))},
		},
	}
}

// sliceCurrent says whether cur already is want in everything we set.
func sliceCurrent(cur, want *discoveryv1.EndpointSlice) bool {
	for k, v := range want.Labels {
		if cur.Labels[k] != v {
			return false
		}
	}
	return cur.AddressType == want.AddressType &&
		apiequality.Semantic.DeepEqual(cur.OwnerReferences, want.OwnerReferences) &&
		apiequality.Semantic.DeepEqual(cur.Endpoints, want.Endpoints) &&
		apiequality.Semantic.DeepEqual(cur.Ports, want.Ports)
}

func ensureSlice(ctx context.Context, client kubernetes.Interface, svc *corev1.Service, ip string, port int) error {
	slices := client.DiscoveryV1().EndpointSlices(ServiceNamespace)
	want := desiredSlice(svc, ip, port)
	cur, err := slices.Get(ctx, sliceName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("get endpoint slice %s/%s: %w", ServiceNamespace, sliceName, err)
	case sliceCurrent(cur, want):
		return nil
	case cur.AddressType != want.AddressType:
		// The address type is immutable: a server that moved to the other
		// family needs a new slice.
		if err := slices.Delete(ctx, sliceName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete endpoint slice %s/%s: %w", ServiceNamespace, sliceName, err)
		}
	default:
		next := cur.DeepCopy()
		if next.Labels == nil {
			next.Labels = map[string]string{}
		}
		for k, v := range want.Labels {
			next.Labels[k] = v
		}
		next.OwnerReferences, next.Endpoints, next.Ports = want.OwnerReferences, want.Endpoints, want.Ports
		if _, err := slices.Update(ctx, next, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("update endpoint slice %s/%s: %w", ServiceNamespace, sliceName, err)
		}
		return nil
	}
	if _, err := slices.Create(ctx, want, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create endpoint slice %s/%s: %w", ServiceNamespace, sliceName, err)
	}
	return nil
}
