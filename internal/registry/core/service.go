package core

import (
	"net"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// maxClientIPAffinitySeconds is the longest ClientIP session affinity (a day);
// defaultClientIPAffinitySeconds is the default (three hours).
const (
	maxClientIPAffinitySeconds     = 86400
	defaultClientIPAffinitySeconds = 10800
)

var (
	serviceTypes     = []corev1.ServiceType{corev1.ServiceTypeClusterIP, corev1.ServiceTypeExternalName, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort}
	sessionAffinites = []corev1.ServiceAffinity{corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone}
	trafficPolicies  = []string{"Cluster", "Local"}
	ipFamilyPolicies = []corev1.IPFamilyPolicy{corev1.IPFamilyPolicyPreferDualStack, corev1.IPFamilyPolicyRequireDualStack, corev1.IPFamilyPolicySingleStack}
	ipFamilies       = []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}
)

func serviceRules() registry.Rules {
	return registry.Rules{
		Default:          func(obj runtime.Object) { defaultService(obj.(*corev1.Service)) },
		PrepareForCreate: func(obj runtime.Object) { normalizeClusterIPs(obj.(*corev1.Service), nil) },
		PrepareForUpdate: func(obj, old runtime.Object) { prepareServiceForUpdate(obj.(*corev1.Service), old.(*corev1.Service)) },
		// Services are named by DNS: the name must be a DNS-1035 label.
		NameValidation: apivalidation.NameIsDNS1035Label,
		Validate:       func(obj runtime.Object) field.ErrorList { return validateService(obj.(*corev1.Service)) },
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validateServiceUpdate(obj.(*corev1.Service), old.(*corev1.Service))
		},
		ValidateStatusUpdate: func(obj, _ runtime.Object) field.ErrorList {
			return validateLoadBalancerStatus(&obj.(*corev1.Service).Status.LoadBalancer, field.NewPath("status", "loadBalancer"))
		},
		Columns: serviceColumns,
		Row:     func(obj runtime.Object) []interface{} { return serviceRow(obj.(*corev1.Service)) },
		// Proxies watch only the Services they program (spec.clusterIP!=None).
		Fields: func(obj runtime.Object) fields.Set {
			svc := obj.(*corev1.Service)
			return fields.Set{"spec.clusterIP": svc.Spec.ClusterIP, "spec.type": string(svc.Spec.Type)}
		},
	}
}

func defaultService(svc *corev1.Service) {
	spec := &svc.Spec
	if spec.SessionAffinity == "" {
		spec.SessionAffinity = corev1.ServiceAffinityNone
	}
	if spec.SessionAffinity == corev1.ServiceAffinityClientIP &&
		(spec.SessionAffinityConfig == nil || spec.SessionAffinityConfig.ClientIP == nil || spec.SessionAffinityConfig.ClientIP.TimeoutSeconds == nil) {
		spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: int32Ptr(defaultClientIPAffinitySeconds)}}
	}
	if spec.Type == "" {
		spec.Type = corev1.ServiceTypeClusterIP
	}
	for i := range spec.Ports {
		p := &spec.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	if (spec.Type == corev1.ServiceTypeNodePort || spec.Type == corev1.ServiceTypeLoadBalancer) && spec.ExternalTrafficPolicy == "" {
		spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if spec.Type == corev1.ServiceTypeLoadBalancer && spec.AllocateLoadBalancerNodePorts == nil {
		spec.AllocateLoadBalancerNodePorts = boolPtr(true)
	}
	if spec.Type != corev1.ServiceTypeExternalName {
		if spec.InternalTrafficPolicy == nil {
			p := corev1.ServiceInternalTrafficPolicyCluster
			spec.InternalTrafficPolicy = &p
		}
		defaultIPFamilies(spec)
	}
}

// defaultIPFamilies fills the family fields on our single-stack cluster: a
// headless Service without selector may carry endpoints of any family.
func defaultIPFamilies(spec *corev1.ServiceSpec) {
	if spec.IPFamilyPolicy == nil {
		p := corev1.IPFamilyPolicySingleStack
		if spec.ClusterIP == corev1.ClusterIPNone && len(spec.Selector) == 0 {
			p = corev1.IPFamilyPolicyRequireDualStack
		}
		spec.IPFamilyPolicy = &p
	}
	if len(spec.IPFamilies) == 0 {
		family := corev1.IPv4Protocol
		if ip := net.ParseIP(spec.ClusterIP); ip != nil && ip.To4() == nil {
			family = corev1.IPv6Protocol
		}
		spec.IPFamilies = []corev1.IPFamily{family}
	}
}

// normalizeClusterIPs keeps clusterIP and clusterIPs[0] in step, whichever
// the client set (on update, whichever it changed).
func normalizeClusterIPs(svc, old *corev1.Service) {
	spec := &svc.Spec
	if spec.Type == corev1.ServiceTypeExternalName {
		return
	}
	switch {
	case len(spec.ClusterIPs) == 0 && spec.ClusterIP != "":
		spec.ClusterIPs = []string{spec.ClusterIP}
	case spec.ClusterIP == "" && len(spec.ClusterIPs) > 0:
		spec.ClusterIP = spec.ClusterIPs[0]
	case old != nil && len(spec.ClusterIPs) > 0 && spec.ClusterIP != old.Spec.ClusterIP &&
		len(old.Spec.ClusterIPs) > 0 && spec.ClusterIPs[0] == old.Spec.ClusterIPs[0]:
		// The client changed the single field only.
		spec.ClusterIPs = append([]string{spec.ClusterIP}, spec.ClusterIPs[1:]...)
	}
}

func needsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName
}

func needsNodePorts(svc *corev1.Service) bool {
	t := svc.Spec.Type
	return t == corev1.ServiceTypeNodePort || t == corev1.ServiceTypeLoadBalancer
}

// prepareServiceForUpdate keeps what the server allocated when a client
// sends the Service back without it (a replace from a manifest), and drops
// fields the new type no longer uses when the client left them as they were.
func prepareServiceForUpdate(svc, old *corev1.Service) {
	spec, oldSpec := &svc.Spec, &old.Spec
	if needsClusterIP(old) && needsClusterIP(svc) {
		if spec.ClusterIP == "" && len(spec.ClusterIPs) == 0 {
			spec.ClusterIP = oldSpec.ClusterIP
			spec.ClusterIPs = append([]string(nil), oldSpec.ClusterIPs...)
		}
		if len(spec.IPFamilies) == 0 {
			spec.IPFamilies = append([]corev1.IPFamily(nil), oldSpec.IPFamilies...)
		}
		if spec.IPFamilyPolicy == nil {
			spec.IPFamilyPolicy = oldSpec.IPFamilyPolicy
		}
	}
	if needsNodePorts(old) && needsNodePorts(svc) {
		for i := range spec.Ports {
			p := &spec.Ports[i]
			if p.NodePort != 0 {
				continue
			}
			for _, op := range oldSpec.Ports {
				if op.Port == p.Port && op.Protocol == p.Protocol {
					p.NodePort = op.NodePort
					break
				}
			}
		}
		if spec.HealthCheckNodePort == 0 && spec.ExternalTrafficPolicy == oldSpec.ExternalTrafficPolicy {
			spec.HealthCheckNodePort = oldSpec.HealthCheckNodePort
		}
	}
	dropTypeDependentFields(svc, old)
	normalizeClusterIPs(svc, old)
}

// dropTypeDependentFields clears what only the old type used, unless the
// client changed it (then validation says what is wrong).
func dropTypeDependentFields(svc, old *corev1.Service) {
	spec, oldSpec := &svc.Spec, &old.Spec
	if spec.Type == oldSpec.Type {
		return
	}
	if !needsClusterIP(svc) && needsClusterIP(old) {
		if spec.ClusterIP == oldSpec.ClusterIP {
			spec.ClusterIP = ""
		}
		if sameStrings(spec.ClusterIPs, oldSpec.ClusterIPs) {
			spec.ClusterIPs = nil
		}
		if len(spec.IPFamilies) == len(oldSpec.IPFamilies) {
			spec.IPFamilies = nil
		}
		if spec.IPFamilyPolicy != nil && oldSpec.IPFamilyPolicy != nil && *spec.IPFamilyPolicy == *oldSpec.IPFamilyPolicy {
			spec.IPFamilyPolicy = nil
		}
		if spec.InternalTrafficPolicy != nil && oldSpec.InternalTrafficPolicy != nil && *spec.InternalTrafficPolicy == *oldSpec.InternalTrafficPolicy {
			spec.InternalTrafficPolicy = nil
		}
	}
	if !needsNodePorts(svc) && needsNodePorts(old) {
		for i := range spec.Ports {
			for _, op := range oldSpec.Ports {
				if op.Port == spec.Ports[i].Port && op.Protocol == spec.Ports[i].Protocol && op.NodePort == spec.Ports[i].NodePort {
					spec.Ports[i].NodePort = 0
				}
			}
		}
		if spec.ExternalTrafficPolicy == oldSpec.ExternalTrafficPolicy {
			spec.ExternalTrafficPolicy = ""
		}
	}
	if spec.Type != corev1.ServiceTypeLoadBalancer && oldSpec.Type == corev1.ServiceTypeLoadBalancer {
		if spec.HealthCheckNodePort == oldSpec.HealthCheckNodePort {
			spec.HealthCheckNodePort = 0
		}
		if spec.AllocateLoadBalancerNodePorts != nil && oldSpec.AllocateLoadBalancerNodePorts != nil && *spec.AllocateLoadBalancerNodePorts == *oldSpec.AllocateLoadBalancerNodePorts {
			spec.AllocateLoadBalancerNodePorts = nil
		}
		if equalStringPtr(spec.LoadBalancerClass, oldSpec.LoadBalancerClass) {
			spec.LoadBalancerClass = nil
		}
	}
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalStringPtr(a, b *string) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func headless(svc *corev1.Service) bool {
	return svc.Spec.ClusterIP == corev1.ClusterIPNone
}
