package core

import (
	"fmt"
	"net"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateService checks a Service as Kubernetes does; the allocator then
// checks that requested cluster IPs and node ports are in range and free.
func validateService(svc *corev1.Service) field.ErrorList {
	spec := &svc.Spec
	specPath := field.NewPath("spec")
	var errs field.ErrorList
	if len(spec.Ports) == 0 && !headless(svc) && spec.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(specPath.Child("ports"), ""))
	}
	ipsPath := specPath.Child("clusterIPs")
	switch spec.Type {
	case corev1.ServiceTypeLoadBalancer:
		if headless(svc) {
			errs = append(errs, field.Invalid(ipsPath.Index(0), spec.ClusterIP, "may not be set to 'None' for LoadBalancer services"))
		}
	case corev1.ServiceTypeNodePort:
		if headless(svc) {
			errs = append(errs, field.Invalid(ipsPath.Index(0), spec.ClusterIP, "may not be set to 'None' for NodePort services"))
		}
	case corev1.ServiceTypeExternalName:
		if len(spec.ClusterIPs) > 0 || spec.ClusterIP != "" {
			errs = append(errs, field.Forbidden(ipsPath, "may not be set for ExternalName services"))
		}
		if len(spec.IPFamilies) > 0 {
			errs = append(errs, field.Forbidden(specPath.Child("ipFamilies"), "may not be set for ExternalName services"))
		}
		if spec.IPFamilyPolicy != nil {
			errs = append(errs, field.Forbidden(specPath.Child("ipFamilyPolicy"), "may not be set for ExternalName services"))
		}
		// A trailing dot marks the name fully qualified.
		if cname := strings.TrimSuffix(spec.ExternalName, "."); cname != "" {
			errs = append(errs, subdomain(cname, specPath.Child("externalName"))...)
		} else {
			errs = append(errs, field.Required(specPath.Child("externalName"), ""))
		}
	}

	names := sets.New[string]()
	for i := range spec.Ports {
		errs = append(errs, validateServicePort(&spec.Ports[i], len(spec.Ports) > 1, names, specPath.Child("ports").Index(i))...)
	}
	if spec.Selector != nil {
		errs = append(errs, metavalidation.ValidateLabels(spec.Selector, specPath.Child("selector"))...)
	}
	errs = append(errs, validateSessionAffinity(spec, specPath)...)
	errs = append(errs, validateClusterIPs(svc, specPath)...)
	for i, ip := range spec.ExternalIPs {
		errs = append(errs, validation.IsValidIPForLegacyField(specPath.Child("externalIPs").Index(i), ip, true, nil)...)
	}
	switch spec.Type {
	case "":
		errs = append(errs, field.Required(specPath.Child("type"), ""))
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName:
	default:
		errs = append(errs, field.NotSupported(specPath.Child("type"), spec.Type, serviceTypes))
	}
	errs = append(errs, validateServicePortUniqueness(spec, specPath.Child("ports"))...)
	errs = append(errs, validateLoadBalancerFields(spec, specPath)...)
	errs = append(errs, validateTrafficPolicies(svc, specPath)...)
	return errs
}

func validateServicePort(sp *corev1.ServicePort, requireName bool, names sets.Set[string], fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if requireName && sp.Name == "" {
		errs = append(errs, field.Required(fldPath.Child("name"), ""))
	} else if sp.Name != "" {
		errs = append(errs, dnsLabel(sp.Name, fldPath.Child("name"))...)
		if names.Has(sp.Name) {
			errs = append(errs, field.Duplicate(fldPath.Child("name"), sp.Name))
		}
		names.Insert(sp.Name)
	}
	errs = append(errs, portNumber(sp.Port, fldPath.Child("port"))...)
	errs = append(errs, validateProtocol(sp.Protocol, fldPath.Child("protocol"))...)
	errs = append(errs, portNumOrName(sp.TargetPort, fldPath.Child("targetPort"))...)
	if sp.NodePort != 0 {
		errs = append(errs, portNumber(sp.NodePort, fldPath.Child("nodePort"))...)
	}
	if sp.AppProtocol != nil {
		errs = append(errs, qualifiedName(*sp.AppProtocol, fldPath.Child("appProtocol"))...)
	}
	return errs
}

func validateServicePortUniqueness(spec *corev1.ServiceSpec, portsPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Type == corev1.ServiceTypeClusterIP {
		for i, p := range spec.Ports {
			if p.NodePort != 0 {
				errs = append(errs, field.Forbidden(portsPath.Index(i).Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
			}
		}
	}
	nodePorts := map[corev1.ServicePort]bool{}
	for i, p := range spec.Ports {
		if p.NodePort == 0 {
			continue
		}
		key := corev1.ServicePort{Protocol: p.Protocol, NodePort: p.NodePort}
		if nodePorts[key] {
			errs = append(errs, field.Duplicate(portsPath.Index(i).Child("nodePort"), p.NodePort))
		}
		nodePorts[key] = true
	}
	ports := map[corev1.ServicePort]bool{}
	for i, p := range spec.Ports {
		key := corev1.ServicePort{Protocol: p.Protocol, Port: p.Port}
		if ports[key] {
			errs = append(errs, field.Duplicate(portsPath.Index(i), key))
		}
		ports[key] = true
	}
	return errs
}

func validateSessionAffinity(spec *corev1.ServiceSpec, specPath *field.Path) field.ErrorList {
	p := specPath.Child("sessionAffinity")
	switch spec.SessionAffinity {
	case "":
		return field.ErrorList{field.Required(p, "")}
	case corev1.ServiceAffinityNone:
		if spec.SessionAffinityConfig != nil {
			return field.ErrorList{field.Forbidden(specPath.Child("sessionAffinityConfig"), "must not be set when session affinity is None")}
		}
		return nil
	case corev1.ServiceAffinityClientIP:
		cp := specPath.Child("sessionAffinityConfig")
		c := spec.SessionAffinityConfig
		if c == nil || c.ClientIP == nil || c.ClientIP.TimeoutSeconds == nil {
			return field.ErrorList{field.Required(cp.Child("clientIP"), "when session affinity type is ClientIP")}
		}
		if t := *c.ClientIP.TimeoutSeconds; t <= 0 || t > maxClientIPAffinitySeconds {
			return field.ErrorList{field.Invalid(cp.Child("clientIP", "timeoutSeconds"), t, fmt.Sprintf("must be greater than 0 and less than %d", maxClientIPAffinitySeconds))}
		}
		return nil
	}
	return field.ErrorList{field.NotSupported(p, spec.SessionAffinity, sessionAffinites)}
}

// validateClusterIPs checks the addresses and families a client asked for;
// the allocator checks they are in range and free.
func validateClusterIPs(svc *corev1.Service, specPath *field.Path) field.ErrorList {
	spec := &svc.Spec
	var errs field.ErrorList
	ipsPath := specPath.Child("clusterIPs")
	if spec.Type != corev1.ServiceTypeExternalName {
		if len(spec.ClusterIPs) > 0 && spec.ClusterIP != spec.ClusterIPs[0] {
			errs = append(errs, field.Invalid(ipsPath, spec.ClusterIPs, "first value must match `clusterIP`"))
		}
		for i, ip := range spec.ClusterIPs {
			switch {
			case ip == corev1.ClusterIPNone:
				if i > 0 || len(spec.ClusterIPs) > 1 {
					errs = append(errs, field.Invalid(ipsPath.Index(i), ip, "'None' must be the first and only value"))
				}
			default:
				errs = append(errs, validation.IsValidIPForLegacyField(ipsPath.Index(i), ip, true, nil)...)
			}
		}
		if len(spec.ClusterIPs) > 2 {
			errs = append(errs, field.Invalid(ipsPath, spec.ClusterIPs, "may only hold up to 2 values"))
		}
		if spec.ClusterIP != "" && spec.ClusterIP != corev1.ClusterIPNone && len(spec.ClusterIPs) == 0 {
			errs = append(errs, validation.IsValidIPForLegacyField(specPath.Child("clusterIP"), spec.ClusterIP, true, nil)...)
		}
	}
	if p := spec.IPFamilyPolicy; p != nil {
		switch *p {
		case corev1.IPFamilyPolicySingleStack, corev1.IPFamilyPolicyPreferDualStack, corev1.IPFamilyPolicyRequireDualStack:
		default:
			errs = append(errs, field.NotSupported(specPath.Child("ipFamilyPolicy"), *p, ipFamilyPolicies))
		}
	}
	seen := map[corev1.IPFamily]bool{}
	for i, f := range spec.IPFamilies {
		fp := specPath.Child("ipFamilies").Index(i)
		if f != corev1.IPv4Protocol && f != corev1.IPv6Protocol {
			errs = append(errs, field.NotSupported(fp, f, ipFamilies))
		}
		if seen[f] {
			errs = append(errs, field.Duplicate(fp, f))
		}
		seen[f] = true
	}
	if len(spec.IPFamilies) > 1 && spec.IPFamilyPolicy != nil && *spec.IPFamilyPolicy == corev1.IPFamilyPolicySingleStack {
		errs = append(errs, field.Invalid(specPath.Child("ipFamilies"), spec.IPFamilies, "when multiple IP families are specified, IP family policy must be PreferDualStack or RequireDualStack"))
	}
	return errs
}

func validateLoadBalancerFields(spec *corev1.ServiceSpec, specPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	lb := spec.Type == corev1.ServiceTypeLoadBalancer
	if len(spec.LoadBalancerSourceRanges) > 0 && !lb {
		errs = append(errs, field.Forbidden(specPath.Child("loadBalancerSourceRanges"), "may only be used when `type` is 'LoadBalancer'"))
	}
	for i, cidr := range spec.LoadBalancerSourceRanges {
		errs = append(errs, validation.IsValidCIDRForLegacyField(specPath.Child("loadBalancerSourceRanges").Index(i), strings.TrimSpace(cidr), true, nil)...)
	}
	if spec.AllocateLoadBalancerNodePorts != nil && !lb {
		errs = append(errs, field.Forbidden(specPath.Child("allocateLoadBalancerNodePorts"), "may only be used when `type` is 'LoadBalancer'"))
	}
	if lb && spec.AllocateLoadBalancerNodePorts == nil {
		errs = append(errs, field.Required(specPath.Child("allocateLoadBalancerNodePorts"), ""))
	}
	if spec.LoadBalancerClass != nil {
		if !lb {
			errs = append(errs, field.Forbidden(specPath.Child("loadBalancerClass"), "may only be used when `type` is 'LoadBalancer'"))
		} else {
			errs = append(errs, qualifiedName(*spec.LoadBalancerClass, specPath.Child("loadBalancerClass"))...)
		}
	}
	return errs
}

func validateTrafficPolicies(svc *corev1.Service, specPath *field.Path) field.ErrorList {
	spec := &svc.Spec
	var errs field.ErrorList
	etp := specPath.Child("externalTrafficPolicy")
	if needsNodePorts(svc) {
		switch spec.ExternalTrafficPolicy {
		case corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal:
		case "":
			errs = append(errs, field.Required(etp, ""))
		default:
			errs = append(errs, field.NotSupported(etp, spec.ExternalTrafficPolicy, trafficPolicies))
		}
	} else if spec.ExternalTrafficPolicy != "" {
		errs = append(errs, field.Invalid(etp, spec.ExternalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"))
	}
	hc := specPath.Child("healthCheckNodePort")
	if spec.HealthCheckNodePort != 0 {
		if spec.Type != corev1.ServiceTypeLoadBalancer || spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal {
			errs = append(errs, field.Invalid(hc, spec.HealthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
		} else {
			errs = append(errs, portNumber(spec.HealthCheckNodePort, hc)...)
		}
	}
	itp := specPath.Child("internalTrafficPolicy")
	if spec.Type != corev1.ServiceTypeExternalName {
		switch {
		case spec.InternalTrafficPolicy == nil:
			errs = append(errs, field.Required(itp, ""))
		case *spec.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster && *spec.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyLocal:
			errs = append(errs, field.NotSupported(itp, *spec.InternalTrafficPolicy, trafficPolicies))
		}
	}
	if d := spec.TrafficDistribution; d != nil && *d != corev1.ServiceTrafficDistributionPreferClose &&
		*d != "PreferSameZone" && *d != "PreferSameNode" {
		errs = append(errs, field.NotSupported(specPath.Child("trafficDistribution"), *d, []string{"PreferClose", "PreferSameNode", "PreferSameZone"}))
	}
	return errs
}

// validateServiceUpdate: the cluster IPs are the Service's identity on the
// network, so once allocated they stay, unless the Service becomes or
// stops being an ExternalName.
func validateServiceUpdate(svc, old *corev1.Service) field.ErrorList {
	errs := validateClusterIPsUpdate(svc, old)
	return append(errs, validateService(svc)...)
}

func validateClusterIPsUpdate(svc, old *corev1.Service) field.ErrorList {
	if !needsClusterIP(svc) || !needsClusterIP(old) || (headless(svc) && headless(old)) {
		return nil
	}
	ips, oldIPs := svc.Spec.ClusterIPs, old.Spec.ClusterIPs
	p := field.NewPath("spec", "clusterIPs")
	var errs field.ErrorList
	// Kubernetes before dual-stack reported the single field as immutable,
	// current releases the list; tools grep for either, so say both.
	if old.Spec.ClusterIP != "" && svc.Spec.ClusterIP != "" && svc.Spec.ClusterIP != old.Spec.ClusterIP {
		errs = append(errs, apivalidation.ValidateImmutableField(svc.Spec.ClusterIP, old.Spec.ClusterIP, field.NewPath("spec", "clusterIP"))...)
	}
	switch {
	case len(ips) == len(oldIPs):
		for i := range oldIPs {
			if ips[i] != oldIPs[i] {
				errs = append(errs, field.Invalid(p.Index(i), ips, "may not change once set"))
			}
		}
	case len(ips) < len(oldIPs):
		if len(ips) == 0 {
			errs = append(errs, field.Invalid(p.Index(0), ips, "primary clusterIP can not be unset"))
		} else if ips[0] != oldIPs[0] {
			errs = append(errs, field.Invalid(p.Index(0), ips, "may not change once set"))
		}
	case len(oldIPs) > 0 && ips[0] != oldIPs[0]:
		errs = append(errs, field.Invalid(p.Index(0), ips, "may not change once set"))
	}
	return errs
}

func validateLoadBalancerStatus(s *corev1.LoadBalancerStatus, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, in := range s.Ingress {
		p := fldPath.Child("ingress").Index(i)
		if in.IP != "" {
			errs = append(errs, validation.IsValidIPForLegacyField(p.Child("ip"), in.IP, true, nil)...)
		}
		if in.Hostname != "" {
			errs = append(errs, subdomain(in.Hostname, p.Child("hostname"))...)
			if net.ParseIP(in.Hostname) != nil {
				errs = append(errs, field.Invalid(p.Child("hostname"), in.Hostname, "must be a DNS name, not an IP address"))
			}
		}
	}
	return errs
}
