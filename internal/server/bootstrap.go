package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/bosun-dev/bosun/internal/controller/localpath"
	"github.com/bosun-dev/bosun/internal/pki"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// defaultNamespaces exist in every Kubernetes cluster.
var defaultNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// bootstrap creates what every cluster has: the default namespaces, the
// kubernetes Service with its endpoints, the system priority classes and
// cluster-info for joining nodes. Existing objects are left alone, so
// restarts keep users' changes; cluster-info is kept current.
func bootstrap(ctx context.Context, client kubernetes.Interface, serviceIP, advertise string, port int, caPEM []byte) error {
	for _, name := range defaultNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if _, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{FieldManager: "bosun-bootstrap"}); ignoreExists(err) != nil {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default", Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: corev1.ServiceSpec{
			ClusterIP: serviceIP,
			Ports:     []corev1.ServicePort{{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(int32(port))}},
		},
	}
	if _, err := client.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{FieldManager: "bosun-bootstrap"}); ignoreExists(err) != nil {
		return fmt.Errorf("create kubernetes service: %w", err)
	}
	if ip := net.ParseIP(advertise); ip != nil && ip.IsLoopback() {
		// Endpoints may not point at loopback (pods could never reach it).
		slog.Warn("Advertise address is loopback: the kubernetes Service gets no endpoints", "address", advertise)
	} else if err := apiserverEndpoints(ctx, client, advertise, port); err != nil {
		return err
	}
	for _, pc := range []struct {
		name  string
		value int32
	}{{"system-node-critical", 2000001000}, {"system-cluster-critical", 2000000000}} {
		obj := &schedulingv1.PriorityClass{
			ObjectMeta:  metav1.ObjectMeta{Name: pc.name},
			Value:       pc.value,
			Description: "Used for system critical pods that must not be moved from their current node.",
		}
		if _, err := client.SchedulingV1().PriorityClasses().Create(ctx, obj, metav1.CreateOptions{FieldManager: "bosun-bootstrap"}); ignoreExists(err) != nil {
			return fmt.Errorf("create priority class %s: %w", pc.name, err)
		}
	}
	// The built-in local-path provisioner's class, marked default, so a
	// claim without a class gets node-local storage as on kind and k3s.
	if _, err := client.StorageV1().StorageClasses().Create(ctx, localpath.DefaultStorageClass(), metav1.CreateOptions{FieldManager: "bosun-bootstrap"}); ignoreExists(err) != nil {
		return fmt.Errorf("create storage class local-path: %w", err)
	}
	return publishClusterInfo(ctx, client, "https://"+net.JoinHostPort(advertise, strconv.Itoa(port)), caPEM)
}

// publishClusterInfo writes kube-public/cluster-info, where `bosun agent
// --token` finds the CA (checked against its pin) and the server's address.
func publishClusterInfo(ctx context.Context, client kubernetes.Interface, serverURL string, caPEM []byte) error {
	kubeconfig, err := pki.ClusterInfoKubeconfig(serverURL, caPEM)
	if err != nil {
		return err
	}
	cms := client.CoreV1().ConfigMaps(pki.ClusterInfoNamespace)
	cm, err := cms.Get(ctx, pki.ClusterInfoName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		cm = &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: pki.ClusterInfoName, Namespace: pki.ClusterInfoNamespace},
			Data:       map[string]string{pki.ClusterInfoKey: string(kubeconfig)},
		}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{FieldManager: "bosun-bootstrap"}); ignoreExists(err) != nil {
			return fmt.Errorf("create configmap %s/%s: %w", pki.ClusterInfoNamespace, pki.ClusterInfoName, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("get configmap %s/%s: %w", pki.ClusterInfoNamespace, pki.ClusterInfoName, err)
	case cm.Data[pki.ClusterInfoKey] == string(kubeconfig):
		return nil
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data[pki.ClusterInfoKey] = string(kubeconfig)
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "bosun-bootstrap"}); err != nil {
		return fmt.Errorf("update configmap %s/%s: %w", pki.ClusterInfoNamespace, pki.ClusterInfoName, err)
	}
	return nil
}

// apiserverEndpoints points the kubernetes Service at this server, updating
// the address when the server moved.
func apiserverEndpoints(ctx context.Context, client kubernetes.Interface, ip string, port int) error {
	//lint:ignore SA1019 kubectl still shows the Endpoints of the kubernetes Service.
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default", Labels: map[string]string{"endpointslice.kubernetes.io/skip-mirror": "true"}},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: ip}},
			Ports:     []corev1.EndpointPort{{Name: "https", Port: int32(port), Protocol: corev1.ProtocolTCP}},
		}},
	}
	if cur, err := client.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{}); err == nil {
		ep.ResourceVersion = cur.ResourceVersion
		if _, err := client.CoreV1().Endpoints("default").Update(ctx, ep, metav1.UpdateOptions{FieldManager: "bosun-bootstrap"}); err != nil {
			return fmt.Errorf("update kubernetes endpoints: %w", err)
		}
	} else if _, err := client.CoreV1().Endpoints("default").Create(ctx, ep, metav1.CreateOptions{FieldManager: "bosun-bootstrap"}); ignoreExists(err) != nil {
		return fmt.Errorf("create kubernetes endpoints: %w", err)
	}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default", Labels: map[string]string{
			discoveryv1.LabelServiceName: "kubernetes", discoveryv1.LabelManagedBy: "bosun-apiserver"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: ptr.To(int32(port)), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
	if cur, err := client.DiscoveryV1().EndpointSlices("default").Get(ctx, "kubernetes", metav1.GetOptions{}); err == nil {
		slice.ResourceVersion = cur.ResourceVersion
		_, err = client.DiscoveryV1().EndpointSlices("default").Update(ctx, slice, metav1.UpdateOptions{FieldManager: "bosun-bootstrap"})
		if err != nil {
			return fmt.Errorf("update kubernetes endpointslice: %w", err)
		}
	} else if _, err := client.DiscoveryV1().EndpointSlices("default").Create(ctx, slice, metav1.CreateOptions{FieldManager: "bosun-bootstrap"}); ignoreExists(err) != nil {
		return fmt.Errorf("create kubernetes endpointslice: %w", err)
	}
	return nil
}

func ignoreExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}
