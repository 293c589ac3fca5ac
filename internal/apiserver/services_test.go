package apiserver

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func svc(name, typ, ip string, nodePorts ...int32) *corev1.Service {
	s := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceType(typ), ClusterIP: ip}}
	s.Name = name
	for _, p := range nodePorts {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: 80, NodePort: p})
	}
	if len(nodePorts) == 0 {
		s.Spec.Ports = []corev1.ServicePort{{Port: 80}}
	}
	return s
}

func TestAllocateUniqueIPsUntilFull(t *testing.T) {
	a, err := NewServiceAllocators("10.0.0.0/29", 30000, 30001) // 8 addresses: 5 allocatable
	if err != nil {
		t.Fatal(err)
	}
	if got := a.KubernetesServiceIP(); got != "10.0.0.1" {
		t.Fatalf("kubernetes service IP = %s", got)
	}
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		s := svc("s", "ClusterIP", "")
		if _, err := a.Allocate(s, nil, false); err != nil {
			t.Fatalf("allocation %d: %v", i, err)
		}
		if seen[s.Spec.ClusterIP] || s.Spec.ClusterIP == "10.0.0.1" || s.Spec.ClusterIP == "10.0.0.0" || s.Spec.ClusterIP == "10.0.0.7" {
			t.Fatalf("bad or duplicate IP %s", s.Spec.ClusterIP)
		}
		seen[s.Spec.ClusterIP] = true
	}
	if _, err := a.Allocate(svc("s", "ClusterIP", ""), nil, false); err == nil || !strings.Contains(err.Error(), "range is full") {
		t.Fatalf("want range is full, got %v", err)
	}
}

func TestAllocateRequestedAndReleased(t *testing.T) {
	a, _ := NewServiceAllocators("10.0.0.0/24", 30000, 32767)
	first := svc("a", "NodePort", "10.0.0.10", 30080)
	if _, err := a.Allocate(first, nil, false); err != nil {
		t.Fatal(err)
	}
	_, err := a.Allocate(svc("b", "ClusterIP", "10.0.0.10"), nil, false)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "provided IP is already allocated") {
		t.Fatalf("taken IP: %v", err)
	}
	_, err = a.Allocate(svc("c", "NodePort", "", 30080), nil, false)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.ports[0].nodePort") || !strings.Contains(err.Error(), "provided port is already allocated") {
		t.Fatalf("taken port: %v", err)
	}
	_, err = a.Allocate(svc("d", "NodePort", "", 80), nil, false)
	if !strings.Contains(err.Error(), "provided port is not in the valid range. The range of valid ports is 30000-32767") {
		t.Fatalf("port out of range: %v", err)
	}
	_, err = a.Allocate(svc("e", "ClusterIP", "10.1.0.10"), nil, false)
	if !strings.Contains(err.Error(), "not in the valid range") {
		t.Fatalf("IP out of range: %v", err)
	}
	a.Release(first)
	if _, err := a.Allocate(svc("f", "NodePort", "10.0.0.10", 30080), nil, false); err != nil {
		t.Fatalf("released allocations should be reusable: %v", err)
	}
}

func TestAllocateDryRunHoldsNothingAndUpdateKeeps(t *testing.T) {
	a, _ := NewServiceAllocators("10.0.0.0/24", 30000, 32767)
	dry := svc("a", "NodePort", "10.0.0.20", 30100)
	if _, err := a.Allocate(dry, nil, true); err != nil {
		t.Fatal(err)
	}
	live := svc("a", "NodePort", "10.0.0.20", 30100)
	if _, err := a.Allocate(live, nil, false); err != nil {
		t.Fatalf("dry run must not hold allocations: %v", err)
	}
	// An update that keeps its IP and port re-allocates nothing; switching to
	// ClusterIP frees the node port.
	upd := svc("a", "ClusterIP", "")
	if _, err := a.Allocate(upd, live, false); err != nil || upd.Spec.ClusterIP != "10.0.0.20" {
		t.Fatalf("update: ip %s, %v", upd.Spec.ClusterIP, err)
	}
	if _, err := a.Allocate(svc("b", "NodePort", "", 30100), nil, false); err != nil {
		t.Fatalf("port dropped by update should be free: %v", err)
	}
}
