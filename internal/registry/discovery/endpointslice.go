package discovery

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Size limits Kubernetes enforces so one slice stays a small object and the
// proxies' per-slice work stays bounded.
const (
	maxEndpoints      = 1000
	maxAddresses      = 100
	maxPorts          = 20000
	maxTopologyLabels = 16
	maxZoneHints      = 8
	maxNodeHints      = 8
)

var (
	addressTypes   = []discoveryv1.AddressType{discoveryv1.AddressTypeFQDN, discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6}
	portProtocols  = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}
	defaultProto   = corev1.ProtocolTCP
	defaultPortNam = ""
)

func endpointSliceRules() registry.Rules {
	return registry.Rules{
		Default: func(obj runtime.Object) {
			for i := range obj.(*discoveryv1.EndpointSlice).Ports {
				p := &obj.(*discoveryv1.EndpointSlice).Ports[i]
				if p.Name == nil {
					p.Name = &defaultPortNam
				}
				if p.Protocol == nil {
					p.Protocol = &defaultProto
				}
			}
		},
		Validate: func(obj runtime.Object) field.ErrorList {
			return validateEndpointSlice(obj.(*discoveryv1.EndpointSlice), nil)
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, o := obj.(*discoveryv1.EndpointSlice), old.(*discoveryv1.EndpointSlice)
			errs := validateEndpointSlice(n, o)
			// Consumers index slices by address family; a slice cannot change it.
			return append(errs, apivalidation.ValidateImmutableField(n.AddressType, o.AddressType, field.NewPath("addressType"))...)
		},
		Columns: endpointSliceColumns,
		Row:     func(obj runtime.Object) []interface{} { return endpointSliceRow(obj.(*discoveryv1.EndpointSlice)) },
	}
}

func validateEndpointSlice(s, old *discoveryv1.EndpointSlice) field.ErrorList {
	var errs field.ErrorList
	switch {
	case s.AddressType == "":
		errs = append(errs, field.Required(field.NewPath("addressType"), ""))
	case !contains(addressTypes, s.AddressType):
		errs = append(errs, field.NotSupported(field.NewPath("addressType"), s.AddressType, addressTypes))
	}
	errs = append(errs, validateEndpoints(s.Endpoints, s.AddressType, oldAddresses(old), field.NewPath("endpoints"))...)
	return append(errs, validatePorts(s.Ports, field.NewPath("ports"))...)
}

// oldAddresses are grandfathered on update: addresses stored before strict
// IP parsing (leading zeros) must not make the slice unupdatable.
func oldAddresses(old *discoveryv1.EndpointSlice) []string {
	if old == nil {
		return nil
	}
	var out []string
	for _, e := range old.Endpoints {
		out = append(out, e.Addresses...)
	}
	return out
}

func validateEndpoints(endpoints []discoveryv1.Endpoint, addrType discoveryv1.AddressType, oldIPs []string, fldPath *field.Path) field.ErrorList {
	if len(endpoints) > maxEndpoints {
		return field.ErrorList{field.TooMany(fldPath, len(endpoints), maxEndpoints)}
	}
	var errs field.ErrorList
	for i, e := range endpoints {
		path := fldPath.Index(i)
		addrPath := path.Child("addresses")
		switch n := len(e.Addresses); {
		case n == 0:
			errs = append(errs, field.Required(addrPath, "must contain at least 1 address"))
		case n > maxAddresses:
			errs = append(errs, field.TooMany(addrPath, n, maxAddresses))
		}
		for j, a := range e.Addresses {
			errs = append(errs, validateAddress(a, addrType, oldIPs, addrPath.Index(j))...)
		}
		if e.NodeName != nil {
			for _, msg := range apivalidation.NameIsDNSSubdomain(*e.NodeName, false) {
				errs = append(errs, field.Invalid(path.Child("nodeName"), *e.NodeName, msg))
			}
		}
		topoPath := path.Child("deprecatedTopology")
		if n := len(e.DeprecatedTopology); n > maxTopologyLabels {
			errs = append(errs, field.TooMany(topoPath, n, maxTopologyLabels))
		}
		errs = append(errs, metavalidation.ValidateLabels(e.DeprecatedTopology, topoPath)...)
		if e.Hostname != nil {
			for _, msg := range content.IsDNS1123Label(*e.Hostname) {
				errs = append(errs, field.Invalid(path.Child("hostname"), *e.Hostname, msg))
			}
		}
		if e.Hints != nil {
			errs = append(errs, validateHints(e.Hints, path.Child("hints"))...)
		}
	}
	return errs
}

func validatePorts(ports []discoveryv1.EndpointPort, fldPath *field.Path) field.ErrorList {
	if len(ports) > maxPorts {
		return field.ErrorList{field.TooMany(fldPath, len(ports), maxPorts)}
	}
	var errs field.ErrorList
	names := map[string]bool{}
	for i, p := range ports {
		path := fldPath.Index(i)
		name := ""
		if p.Name != nil {
			name = *p.Name
		}
		if name != "" {
			for _, msg := range content.IsDNS1123Label(name) {
				errs = append(errs, field.Invalid(path.Child("name"), name, msg))
			}
		}
		if names[name] {
			errs = append(errs, field.Duplicate(path.Child("name"), name))
		}
		names[name] = true
		switch {
		case p.Protocol == nil:
			errs = append(errs, field.Required(path.Child("protocol"), ""))
		case !contains(portProtocols, *p.Protocol):
			errs = append(errs, field.NotSupported(path.Child("protocol"), *p.Protocol, portProtocols))
		}
		if p.AppProtocol != nil {
			for _, msg := range content.IsLabelKey(*p.AppProtocol) {
				errs = append(errs, field.Invalid(path.Child("appProtocol"), *p.AppProtocol, msg))
			}
		}
	}
	return errs
}

func validateHints(h *discoveryv1.EndpointHints, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	zonePath := fldPath.Child("forZones")
	if n := len(h.ForZones); n > maxZoneHints {
		return append(errs, field.TooMany(zonePath, n, maxZoneHints))
	}
	zones := map[string]bool{}
	for i, z := range h.ForZones {
		path := zonePath.Index(i).Child("name")
		if zones[z.Name] {
			errs = append(errs, field.Duplicate(path, z.Name))
		}
		zones[z.Name] = true
		for _, msg := range content.IsLabelValue(z.Name) {
			errs = append(errs, field.Invalid(path, z.Name, msg))
		}
	}
	nodePath := fldPath.Child("forNodes")
	if n := len(h.ForNodes); n > maxNodeHints {
		return append(errs, field.TooMany(nodePath, n, maxNodeHints))
	}
	nodes := map[string]bool{}
	for i, n := range h.ForNodes {
		path := nodePath.Index(i).Child("name")
		if nodes[n.Name] {
			errs = append(errs, field.Duplicate(path, n.Name))
		}
		nodes[n.Name] = true
		for _, msg := range apivalidation.NameIsDNSSubdomain(n.Name, false) {
			errs = append(errs, field.Invalid(path, n.Name, msg))
		}
	}
	return errs
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

var endpointSliceColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	{Name: "AddressType", Type: "string", Description: discoveryv1.EndpointSlice{}.SwaggerDoc()["addressType"]},
	{Name: "Ports", Type: "string", Description: discoveryv1.EndpointSlice{}.SwaggerDoc()["ports"]},
	{Name: "Endpoints", Type: "string", Description: discoveryv1.EndpointSlice{}.SwaggerDoc()["endpoints"]},
	{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
}

func endpointSliceRow(s *discoveryv1.EndpointSlice) []interface{} {
	var ports, addrs []string
	for _, p := range s.Ports {
		switch {
		case p.Port != nil:
			ports = append(ports, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			ports = append(ports, *p.Name)
		default:
			ports = append(ports, "*")
		}
	}
	for _, e := range s.Endpoints {
		addrs = append(addrs, e.Addresses...)
	}
	return []interface{}{s.Name, string(s.AddressType), firstThree(ports), firstThree(addrs), registry.Age(s.CreationTimestamp)}
}

// firstThree renders a list as kubectl does: at most three items, then
// "+ N more...", or <unset> when empty.
func firstThree(list []string) string {
	switch {
	case len(list) == 0:
		return "<unset>"
	case len(list) > 3:
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:3], ","), len(list)-3)
	}
	return strings.Join(list, ",")
}
