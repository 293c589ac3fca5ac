package discovery

import (
	"fmt"
	"net"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateAddress checks one endpoint address against the slice's address
// type. Unknown types are reported on addressType and not checked here.
func validateAddress(addr string, t discoveryv1.AddressType, oldIPs []string, fldPath *field.Path) field.ErrorList {
	switch t {
	case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
		if errs := validation.IsValidIPForLegacyField(fldPath, addr, true, oldIPs); len(errs) > 0 {
			return errs
		}
		ip := net.ParseIP(addr)
		if ip == nil { // a grandfathered form net.ParseIP rejects; nothing more to check
			return nil
		}
		var errs field.ErrorList
		if is4 := ip.To4() != nil; t == discoveryv1.AddressTypeIPv4 && !is4 {
			errs = append(errs, field.Invalid(fldPath, addr, "must be an IPv4 address"))
		} else if t == discoveryv1.AddressTypeIPv6 && is4 {
			errs = append(errs, field.Invalid(fldPath, addr, "must be an IPv6 address"))
		}
		return append(errs, validateEndpointIP(ip, addr, fldPath)...)
	case discoveryv1.AddressTypeFQDN:
		return validation.IsFullyQualifiedDomainName(fldPath, addr)
	}
	return nil
}

// validateEndpointIP rejects IPs that cannot be a service backend: the
// unspecified address and loopback are meaningless off the node, and
// link-local ranges are node-local services (cloud metadata) that a Service
// must not be able to redirect to.
func validateEndpointIP(ip net.IP, addr string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if ip.IsUnspecified() {
		errs = append(errs, field.Invalid(fldPath, addr, fmt.Sprintf("may not be unspecified (%v)", addr)))
	}
	if ip.IsLoopback() {
		errs = append(errs, field.Invalid(fldPath, addr, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
	}
	if ip.IsLinkLocalUnicast() {
		errs = append(errs, field.Invalid(fldPath, addr, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
	}
	if ip.IsLinkLocalMulticast() {
		errs = append(errs, field.Invalid(fldPath, addr, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
	}
	return errs
}
