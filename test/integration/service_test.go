package integration

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func service(ns, name string, typ corev1.ServiceType) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.ServiceSpec{
			Type:     typ,
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}},
		},
	}
}

// serviceCIDR is the server's default service range (as kube-apiserver's).
var _, serviceCIDR, _ = net.ParseCIDR("10.0.0.0/24")

func TestServiceClusterIPs(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	svcs := shared.client.CoreV1().Services(ns)
	seen := map[string]string{}
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("svc-%02d", i)
		got, err := svcs.Create(c, service(ns, name, ""), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		ip := got.Spec.ClusterIP
		if parsed := net.ParseIP(ip); parsed == nil || !serviceCIDR.Contains(parsed) {
			t.Errorf("%s clusterIP %q not in %s", name, ip, serviceCIDR)
		}
		if len(got.Spec.ClusterIPs) != 1 || got.Spec.ClusterIPs[0] != ip {
			t.Errorf("%s clusterIPs %v, want [%s]", name, got.Spec.ClusterIPs, ip)
		}
		if other, dup := seen[ip]; dup {
			t.Errorf("%s and %s share clusterIP %s", name, other, ip)
		}
		seen[ip] = name
		if got.Spec.Type != corev1.ServiceTypeClusterIP {
			t.Errorf("%s type %q, want ClusterIP by default", name, got.Spec.Type)
		}
	}
	// The kubernetes Service holds the first address.
	k, err := shared.client.CoreV1().Services("default").Get(c, "kubernetes", metav1.GetOptions{})
	if err != nil || k.Spec.ClusterIP != "10.0.0.1" {
		t.Errorf("kubernetes service clusterIP %q (%v), want 10.0.0.1", k.Spec.ClusterIP, err)
	}
	if _, dup := seen["10.0.0.1"]; dup {
		t.Error("a service got the kubernetes service's IP")
	}

	// Asking for a taken IP is invalid, and creates nothing.
	taken := service(ns, "taken", "")
	taken.Spec.ClusterIP = "10.0.0.1"
	_, err = svcs.Create(c, taken, metav1.CreateOptions{})
	se := wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
	if !strings.Contains(se.ErrStatus.Message, "already allocated") {
		t.Errorf("message %q", se.ErrStatus.Message)
	}
	_, err = svcs.Get(c, "taken", metav1.GetOptions{})
	wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)

	// A free IP may be asked for; headless services get none.
	free := service(ns, "chosen", "")
	free.Spec.ClusterIP = freeIP(t, seen)
	if got, err := svcs.Create(c, free, metav1.CreateOptions{}); err != nil || got.Spec.ClusterIP != free.Spec.ClusterIP {
		t.Errorf("create with free IP %s: %v", free.Spec.ClusterIP, err)
	}
	headless := service(ns, "headless", "")
	headless.Spec.ClusterIP = corev1.ClusterIPNone
	if got, err := svcs.Create(c, headless, metav1.CreateOptions{}); err != nil || got.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("headless: %+v %v", got.Spec, err)
	}
	// An IP outside the range is invalid.
	outside := service(ns, "outside", "")
	outside.Spec.ClusterIP = "192.168.7.7"
	_, err = svcs.Create(c, outside, metav1.CreateOptions{})
	wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
}

// freeIP returns an address of the range no listed service holds.
func freeIP(t *testing.T, taken map[string]string) string {
	t.Helper()
	list, err := shared.client.CoreV1().Services("").List(ctx(t), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, s := range list.Items {
		used[s.Spec.ClusterIP] = true
	}
	for i := 250; i > 1; i-- {
		ip := fmt.Sprintf("10.0.0.%d", i)
		if !used[ip] && taken[ip] == "" {
			return ip
		}
	}
	t.Fatal("service range full")
	return ""
}

func TestServiceNodePorts(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	svcs := shared.client.CoreV1().Services(ns)
	first, err := svcs.Create(c, service(ns, "np", corev1.ServiceTypeNodePort), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	port := first.Spec.Ports[0].NodePort
	if port < 30000 || port > 32767 {
		t.Fatalf("nodePort %d outside 30000-32767", port)
	}
	// The port is taken while the service exists.
	again := service(ns, "np2", corev1.ServiceTypeNodePort)
	again.Spec.Ports[0].NodePort = port
	_, err = svcs.Create(c, again, metav1.CreateOptions{})
	wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
	// Deleting the service frees it.
	if err := svcs.Delete(c, "np", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := svcs.Create(c, again, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("reuse nodePort %d after delete: %v", port, err)
	}
	if got.Spec.Ports[0].NodePort != port {
		t.Errorf("nodePort %d, want %d", got.Spec.Ports[0].NodePort, port)
	}
	// Out of range is invalid.
	bad := service(ns, "np3", corev1.ServiceTypeNodePort)
	bad.Spec.Ports[0].NodePort = 80
	_, err = svcs.Create(c, bad, metav1.CreateOptions{})
	wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
	// ClusterIP services get no node port.
	plain, err := svcs.Create(c, service(ns, "plain", corev1.ServiceTypeClusterIP), metav1.CreateOptions{})
	if err != nil || plain.Spec.Ports[0].NodePort != 0 {
		t.Errorf("ClusterIP service nodePort %d (%v)", plain.Spec.Ports[0].NodePort, err)
	}
}
