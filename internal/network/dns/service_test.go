// An external test package: internal/server, which testenv runs, imports
// this package.
package dns_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bosun-dev/bosun/internal/network/dns"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// sliceName is the EndpointSlice EnsureService keeps.
const sliceName = "kube-dns-bosun"

// versions are the resourceVersions of the kube-dns Service and slice.
func versions(t *testing.T, c kubernetes.Interface) (svc, slice string) {
	t.Helper()
	ctx := context.Background()
	s, err := c.CoreV1().Services(dns.ServiceNamespace).Get(ctx, dns.ServiceName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sl, err := c.DiscoveryV1().EndpointSlices(dns.ServiceNamespace).Get(ctx, sliceName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s.ResourceVersion, sl.ResourceVersion
}

func TestEnsureService(t *testing.T) {
	env := testenv.Start(t, "")
	ctx := context.Background()
	if err := dns.EnsureService(ctx, env.Client, "10.0.0.10", "192.0.2.10", 5353); err != nil {
		t.Fatalf("EnsureService: %v", err)
	}
	svc, err := env.Client.CoreV1().Services(dns.ServiceNamespace).Get(ctx, dns.ServiceName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.ClusterIP != "10.0.0.10" || svc.Spec.Selector != nil || svc.Labels["k8s-app"] != "kube-dns" ||
		len(svc.Spec.Ports) != 2 || svc.Spec.Ports[0].Name != "dns" || svc.Spec.Ports[0].Protocol != corev1.ProtocolUDP ||
		svc.Spec.Ports[1].Name != "dns-tcp" || svc.Spec.Ports[1].TargetPort.IntValue() != 5353 {
		t.Errorf("service: %+v", svc)
	}
	sl, err := env.Client.DiscoveryV1().EndpointSlices(dns.ServiceNamespace).Get(ctx, sliceName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sl.Labels[discoveryv1.LabelServiceName] != dns.ServiceName || sl.Labels[discoveryv1.LabelManagedBy] != "bosun-dns" ||
		len(sl.Endpoints) != 1 || sl.Endpoints[0].Addresses[0] != "192.0.2.10" || !*sl.Endpoints[0].Conditions.Ready ||
		*sl.Ports[0].Port != 5353 || sl.OwnerReferences[0].UID != svc.UID {
		t.Errorf("slice: %+v", sl)
	}

	svcRV, sliceRV := versions(t, env.Client)
	if err := dns.EnsureService(ctx, env.Client, "10.0.0.10", "192.0.2.10", 5353); err != nil {
		t.Fatalf("EnsureService again: %v", err)
	}
	if s, l := versions(t, env.Client); s != svcRV || l != sliceRV {
		t.Errorf("re-run wrote: service %s→%s, slice %s→%s", svcRV, s, sliceRV, l)
	}

	// The server moved: only the slice follows.
	if err := dns.EnsureService(ctx, env.Client, "10.0.0.10", "192.0.2.11", 53); err != nil {
		t.Fatalf("EnsureService moved: %v", err)
	}
	sl, err = env.Client.DiscoveryV1().EndpointSlices(dns.ServiceNamespace).Get(ctx, sliceName, metav1.GetOptions{})
	if err != nil || sl.Endpoints[0].Addresses[0] != "192.0.2.11" || *sl.Ports[1].Port != 53 {
		t.Errorf("moved slice: %+v, %v", sl, err)
	}

	if err := dns.EnsureService(ctx, env.Client, "10.0.0.11", "192.0.2.11", 53); err == nil {
		t.Error("EnsureService with another clusterIP succeeded")
	}
}

// A kube-dns a user made keeps its own labels, annotations and ports.
func TestEnsureServiceKeepsUsersService(t *testing.T) {
	env := testenv.Start(t, "")
	ctx := context.Background()
	mine := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: dns.ServiceName, Namespace: dns.ServiceNamespace,
			Labels: map[string]string{"team": "net"}, Annotations: map[string]string{"note": "mine"}},
		Spec: corev1.ServiceSpec{ClusterIP: "10.0.0.10", Ports: []corev1.ServicePort{
			{Name: "metrics", Protocol: corev1.ProtocolTCP, Port: 9153},
			{Name: "dns", Protocol: corev1.ProtocolUDP, Port: 53},
		}},
	}
	if _, err := env.Client.CoreV1().Services(dns.ServiceNamespace).Create(ctx, mine, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := dns.EnsureService(ctx, env.Client, "10.0.0.10", "192.0.2.10", 53); err != nil {
		t.Fatalf("EnsureService: %v", err)
	}
	svc, err := env.Client.CoreV1().Services(dns.ServiceNamespace).Get(ctx, dns.ServiceName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, p := range svc.Spec.Ports {
		names[p.Name] = true
	}
	if svc.Labels["team"] != "net" || svc.Labels["k8s-app"] != "kube-dns" || svc.Annotations["note"] != "mine" ||
		len(svc.Spec.Ports) != 3 || !names["metrics"] || !names["dns"] || !names["dns-tcp"] {
		t.Errorf("service: labels %v annotations %v ports %+v", svc.Labels, svc.Annotations, svc.Spec.Ports)
	}
}
