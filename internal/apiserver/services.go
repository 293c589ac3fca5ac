package apiserver

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"net"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ServiceAllocators hand out Service cluster IPs from the service CIDR and
// node ports from the node-port range, with no duplicates. The state is
// rebuilt from the stored Services at start, so it survives restarts.
type ServiceAllocators struct {
	mu        sync.Mutex
	cidr      *net.IPNet
	base      *big.Int
	size      int64 // addresses in the CIDR
	ips       map[string]bool
	portMin   int32
	portMax   int32
	nodePorts map[int32]bool
}

// NewServiceAllocators makes allocators for cidr ("10.96.0.0/12") and a
// node-port range [min, max].
func NewServiceAllocators(cidr string, portMin, portMax int32) (*ServiceAllocators, error) {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, fmt.Errorf("parse service CIDR %q: %w", cidr, err)
	}
	ones, bits := n.Mask.Size()
	if bits-ones > 24 {
		ones = bits - 24 // more than 16M addresses is never needed; cap the search space
	}
	a := &ServiceAllocators{
		cidr: n, base: new(big.Int).SetBytes(n.IP.To16()), size: int64(1) << (bits - ones),
		ips: map[string]bool{}, portMin: portMin, portMax: portMax, nodePorts: map[int32]bool{},
	}
	return a, nil
}

// KubernetesServiceIP is the first usable address, kept for the `kubernetes` Service.
func (a *ServiceAllocators) KubernetesServiceIP() string { return a.ipAt(1).String() }

// DNSServiceIP is the tenth address, kubeadm's choice for the kube-dns Service.
func (a *ServiceAllocators) DNSServiceIP() string { return a.ipAt(10).String() }

func (a *ServiceAllocators) ipAt(i int64) net.IP {
	n := new(big.Int).Add(a.base, big.NewInt(i))
	b := n.Bytes()
	ip := make(net.IP, 16)
	copy(ip[16-len(b):], b)
	if v4 := ip.To4(); v4 != nil && a.cidr.IP.To4() != nil {
		return v4
	}
	return ip
}

// Restore marks an existing Service's IPs and ports as taken.
func (a *ServiceAllocators) Restore(svc *corev1.Service) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ip := range clusterIPs(svc) {
		a.ips[ip] = true
	}
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			a.nodePorts[p.NodePort] = true
		}
	}
}

func clusterIPs(svc *corev1.Service) []string {
	var out []string
	for _, ip := range append([]string{svc.Spec.ClusterIP}, svc.Spec.ClusterIPs...) {
		if ip != "" && ip != corev1.ClusterIPNone && !contains(out, ip) {
			out = append(out, ip)
		}
	}
	return out
}

var servicesGK = schema.GroupKind{Kind: "Service"}

// Allocate fills in svc's cluster IP and node ports. old is the stored
// Service on update (nil on create): its allocations carry over. The returned
// release undoes this call's new allocations (after a failed write); dry runs
// check without holding anything.
func (a *ServiceAllocators) Allocate(svc, old *corev1.Service, dryRun bool) (release func(), err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var newIPs []string
	var newPorts []int32
	release = func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		for _, ip := range newIPs {
			delete(a.ips, ip)
		}
		for _, p := range newPorts {
			delete(a.nodePorts, p)
		}
	}
	defer func() {
		if err != nil || dryRun {
			for _, ip := range newIPs {
				delete(a.ips, ip)
			}
			for _, p := range newPorts {
				delete(a.nodePorts, p)
			}
			newIPs, newPorts = nil, nil
		}
	}()
	spec := &svc.Spec
	if spec.Type != corev1.ServiceTypeExternalName && spec.ClusterIP != corev1.ClusterIPNone {
		switch {
		case old != nil && old.Spec.ClusterIP != "" && (spec.ClusterIP == "" || spec.ClusterIP == old.Spec.ClusterIP):
			spec.ClusterIP = old.Spec.ClusterIP
		case spec.ClusterIP == "":
			ip, ok := a.randomIP()
			if !ok {
				return release, apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: range is full"))
			}
			a.ips[ip] = true
			newIPs = append(newIPs, ip)
			spec.ClusterIP = ip
		default:
			ip := net.ParseIP(spec.ClusterIP)
			path := field.NewPath("spec", "clusterIPs").Index(0)
			if ip == nil || !a.cidr.Contains(ip) {
				return release, apierrors.NewInvalid(servicesGK, svc.Name, field.ErrorList{field.Invalid(path, spec.ClusterIP,
					fmt.Sprintf("failed to allocate IP %s: the provided IP (%s) is not in the valid range. The range of valid IPs is %s", spec.ClusterIP, spec.ClusterIP, a.cidr))})
			}
			if a.ips[ip.String()] {
				return release, apierrors.NewInvalid(servicesGK, svc.Name, field.ErrorList{field.Invalid(path, spec.ClusterIP,
					fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", spec.ClusterIP))})
			}
			a.ips[ip.String()] = true
			newIPs = append(newIPs, ip.String())
		}
		spec.ClusterIPs = []string{spec.ClusterIP}
	} else if spec.ClusterIP == corev1.ClusterIPNone {
		spec.ClusterIPs = []string{corev1.ClusterIPNone}
	}
	needsNodePorts := spec.Type == corev1.ServiceTypeNodePort || spec.Type == corev1.ServiceTypeLoadBalancer
	oldPorts := map[int32]bool{}
	if old != nil {
		for _, p := range old.Spec.Ports {
			oldPorts[p.NodePort] = true
		}
	}
	for i := range spec.Ports {
		p := &spec.Ports[i]
		if !needsNodePorts {
			continue
		}
		path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
		switch {
		case p.NodePort == 0:
			port, ok := a.randomPort()
			if !ok {
				return release, apierrors.NewInvalid(servicesGK, svc.Name, field.ErrorList{field.Invalid(path, p.NodePort, "failed to allocate a nodePort: range is full")})
			}
			a.nodePorts[port] = true
			newPorts = append(newPorts, port)
			p.NodePort = port
		case oldPorts[p.NodePort]:
		case p.NodePort < a.portMin || p.NodePort > a.portMax:
			return release, apierrors.NewInvalid(servicesGK, svc.Name, field.ErrorList{field.Invalid(path, p.NodePort,
				fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", a.portMin, a.portMax))})
		case a.nodePorts[p.NodePort] && !contains32(newPorts, p.NodePort):
			return release, apierrors.NewInvalid(servicesGK, svc.Name, field.ErrorList{field.Invalid(path, p.NodePort, "provided port is already allocated")})
		default:
			if !a.nodePorts[p.NodePort] {
				a.nodePorts[p.NodePort] = true
				newPorts = append(newPorts, p.NodePort)
			}
		}
	}
	if old != nil && !dryRun {
		// Ports the update dropped go back to the pool.
		kept := map[int32]bool{}
		for _, p := range spec.Ports {
			kept[p.NodePort] = true
		}
		for p := range oldPorts {
			if p != 0 && !kept[p] {
				delete(a.nodePorts, p)
			}
		}
	}
	return release, nil
}

// Release frees a deleted Service's allocations.
func (a *ServiceAllocators) Release(svc *corev1.Service) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ip := range clusterIPs(svc) {
		delete(a.ips, ip)
	}
	for _, p := range svc.Spec.Ports {
		delete(a.nodePorts, p.NodePort)
	}
}

// randomIP picks a free address, skipping the network address, the first
// address (the kubernetes Service's) and the broadcast address.
func (a *ServiceAllocators) randomIP() (string, bool) {
	if a.size < 4 {
		return "", false
	}
	span := a.size - 3
	start := rand.Int64N(span)
	for i := int64(0); i < span; i++ {
		ip := a.ipAt(2 + (start+i)%span).String()
		if !a.ips[ip] {
			return ip, true
		}
	}
	return "", false
}

func (a *ServiceAllocators) randomPort() (int32, bool) {
	span := a.portMax - a.portMin + 1
	start := rand.Int32N(span)
	for i := int32(0); i < span; i++ {
		p := a.portMin + (start+i)%span
		if !a.nodePorts[p] {
			return p, true
		}
	}
	return 0, false
}

func contains32(list []int32, v int32) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
