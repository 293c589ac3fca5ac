package networking

import (
	"fmt"
	"net"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// ingressClassAnnotation is the pre-IngressClass way of choosing a controller.
const ingressClassAnnotation = "kubernetes.io/ingress.class"

var (
	pathTypes = []networkingv1.PathType{networkingv1.PathTypeExact, networkingv1.PathTypeImplementationSpecific, networkingv1.PathTypePrefix}
	// Sequences that would let a path escape its prefix once normalised.
	invalidPathSequences = []string{"//", "/./", "/../", "%2f", "%2F"}
	invalidPathSuffixes  = []string{"/..", "/."}
)

// ingressOptions relax checks that became stricter over time, for updates of
// ingresses stored before.
type ingressOptions struct {
	allowInvalidSecretName       bool
	allowInvalidWildcardHostRule bool
}

func ingressRules() registry.Rules {
	return registry.Rules{
		Validate: func(obj runtime.Object) field.ErrorList {
			ing := obj.(*networkingv1.Ingress)
			errs := validateIngressSpec(&ing.Spec, ingressOptions{}, field.NewPath("spec"))
			if v, ok := ing.Annotations[ingressClassAnnotation]; ok && ing.Spec.IngressClassName != nil && v != *ing.Spec.IngressClassName {
				errs = append(errs, field.Invalid(field.NewPath("annotations").Child(ingressClassAnnotation), v, "must match `ingressClassName` when both are specified"))
			}
			return errs
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			o := old.(*networkingv1.Ingress)
			opts := ingressOptions{allowInvalidSecretName: hasInvalidSecretName(o), allowInvalidWildcardHostRule: hasInvalidWildcardRule(o)}
			return validateIngressSpec(&obj.(*networkingv1.Ingress).Spec, opts, field.NewPath("spec"))
		},
		ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validateIngressStatus(&obj.(*networkingv1.Ingress).Status, &old.(*networkingv1.Ingress).Status)
		},
		Columns: []metav1.TableColumnDefinition{
			nameColumn,
			{Name: "Class", Type: "string", Description: "The name of the IngressClass resource that should be used for additional configuration"},
			{Name: "Hosts", Type: "string", Description: "Hosts that incoming requests are matched against before the ingress rule"},
			{Name: "Address", Type: "string", Description: "Address is a list containing ingress points for the load-balancer"},
			{Name: "Ports", Type: "string", Description: "Ports of TLS configurations that open"},
			ageColumn,
		},
		Row: func(obj runtime.Object) []interface{} { return ingressRow(obj.(*networkingv1.Ingress)) },
	}
}

func validateIngressSpec(spec *networkingv1.IngressSpec, opts ingressOptions, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.Rules) == 0 && spec.DefaultBackend == nil {
		errs = append(errs, field.Invalid(fldPath, spec.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if spec.DefaultBackend != nil {
		errs = append(errs, validateBackend(spec.DefaultBackend, fldPath.Child("defaultBackend"))...)
	}
	for i, rule := range spec.Rules {
		errs = append(errs, validateIngressRule(&rule, opts, fldPath.Child("rules").Index(i))...)
	}
	for i, tls := range spec.TLS {
		path := fldPath.Child("tls").Index(i)
		for j, host := range tls.Hosts {
			errs = append(errs, validateHost(host, path.Child("hosts").Index(j), false)...)
		}
		if !opts.allowInvalidSecretName && tls.SecretName != "" {
			for _, msg := range apivalidation.NameIsDNSSubdomain(tls.SecretName, false) {
				errs = append(errs, field.Invalid(path.Child("secretName"), tls.SecretName, msg))
			}
		}
	}
	if c := spec.IngressClassName; c != nil {
		for _, msg := range apivalidation.NameIsDNSSubdomain(*c, false) {
			errs = append(errs, field.Invalid(fldPath.Child("ingressClassName"), *c, msg))
		}
	}
	return errs
}

// validateHost checks a host name, which may start with a "*." wildcard;
// rules (not TLS hosts) also reject IP addresses.
func validateHost(host string, fldPath *field.Path, rejectIP bool) field.ErrorList {
	var errs field.ErrorList
	if rejectIP && net.ParseIP(host) != nil {
		errs = append(errs, field.Invalid(fldPath, host, "must be a DNS name, not an IP address"))
	}
	check := validation.IsDNS1123Subdomain
	if strings.Contains(host, "*") {
		check = validation.IsWildcardDNS1123Subdomain
	}
	for _, msg := range check(host) {
		errs = append(errs, field.Invalid(fldPath, host, msg))
	}
	return errs
}

func validateIngressRule(rule *networkingv1.IngressRule, opts ingressOptions, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	wildcard := strings.Contains(rule.Host, "*")
	if rule.Host != "" {
		errs = append(errs, validateHost(rule.Host, fldPath.Child("host"), true)...)
	}
	if (wildcard && opts.allowInvalidWildcardHostRule) || rule.HTTP == nil {
		return errs
	}
	pathsPath := fldPath.Child("http", "paths")
	if len(rule.HTTP.Paths) == 0 {
		errs = append(errs, field.Required(pathsPath, ""))
	}
	for i := range rule.HTTP.Paths {
		errs = append(errs, validateHTTPPath(&rule.HTTP.Paths[i], pathsPath.Index(i))...)
	}
	return errs
}

func validateHTTPPath(p *networkingv1.HTTPIngressPath, fldPath *field.Path) field.ErrorList {
	if p.PathType == nil {
		return field.ErrorList{field.Required(fldPath.Child("pathType"), "pathType must be specified")}
	}
	var errs field.ErrorList
	pathPath := fldPath.Child("path")
	switch *p.PathType {
	case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
		if !strings.HasPrefix(p.Path, "/") {
			errs = append(errs, field.Invalid(pathPath, p.Path, "must be an absolute path"))
		}
		for _, seq := range invalidPathSequences {
			if strings.Contains(p.Path, seq) {
				errs = append(errs, field.Invalid(pathPath, p.Path, fmt.Sprintf("must not contain '%s'", seq)))
			}
		}
		for _, suffix := range invalidPathSuffixes {
			if strings.HasSuffix(p.Path, suffix) {
				errs = append(errs, field.Invalid(pathPath, p.Path, fmt.Sprintf("cannot end with '%s'", suffix)))
			}
		}
	case networkingv1.PathTypeImplementationSpecific:
		if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
			errs = append(errs, field.Invalid(pathPath, p.Path, "must be an absolute path"))
		}
	default:
		errs = append(errs, field.NotSupported(fldPath.Child("pathType"), *p.PathType, pathTypes))
	}
	return append(errs, validateBackend(&p.Backend, fldPath.Child("backend"))...)
}

// validateBackend: traffic goes to a Service port (by name or number) or to
// a resource of the controller's choosing, exactly one.
func validateBackend(b *networkingv1.IngressBackend, fldPath *field.Path) field.ErrorList {
	switch {
	case b.Resource != nil && b.Service != nil:
		return field.ErrorList{field.Invalid(fldPath, "", "cannot set both resource and service backends")}
	case b.Resource != nil:
		return validateLocalReference(b.Resource.APIGroup, b.Resource.Kind, b.Resource.Name, fldPath.Child("resource"))
	case b.Service == nil:
		return field.ErrorList{field.Invalid(fldPath, "", "resource or service backend is required")}
	}
	var errs field.ErrorList
	svc := b.Service
	namePath := fldPath.Child("service", "name")
	if svc.Name == "" {
		errs = append(errs, field.Required(namePath, ""))
	} else {
		for _, msg := range apivalidation.NameIsDNS1035Label(svc.Name, false) {
			errs = append(errs, field.Invalid(namePath, svc.Name, msg))
		}
	}
	hasName, hasNumber := svc.Port.Name != "", svc.Port.Number != 0
	switch {
	case hasName && hasNumber:
		errs = append(errs, field.Invalid(fldPath, "", "cannot set both port name & port number"))
	case hasName:
		for _, msg := range validation.IsValidPortName(svc.Port.Name) {
			errs = append(errs, field.Invalid(fldPath.Child("service", "port", "name"), svc.Port.Name, msg))
		}
	case hasNumber:
		for _, msg := range validation.IsValidPortNum(int(svc.Port.Number)) {
			errs = append(errs, field.Invalid(fldPath.Child("service", "port", "number"), svc.Port.Number, msg))
		}
	default:
		errs = append(errs, field.Required(fldPath, "port name or number is required"))
	}
	return errs
}

// validateLocalReference checks a typed reference whose kind and name end
// up in URL paths.
func validateLocalReference(group *string, kind, name string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if group != nil {
		for _, msg := range validation.IsDNS1123Subdomain(*group) {
			errs = append(errs, field.Invalid(fldPath.Child("apiGroup"), *group, msg))
		}
	}
	for _, f := range []struct{ name, value string }{{"kind", kind}, {"name", name}} {
		if f.value == "" {
			errs = append(errs, field.Required(fldPath.Child(f.name), f.name+" is required"))
			continue
		}
		for _, msg := range content.IsPathSegmentName(f.value) {
			errs = append(errs, field.Invalid(fldPath.Child(f.name), f.value, msg))
		}
	}
	return errs
}

func validateIngressStatus(st, old *networkingv1.IngressStatus) field.ErrorList {
	var oldIPs []string
	for _, i := range old.LoadBalancer.Ingress {
		oldIPs = append(oldIPs, i.IP)
	}
	var errs field.ErrorList
	for i, lb := range st.LoadBalancer.Ingress {
		path := field.NewPath("status", "loadBalancer", "ingress").Index(i)
		if lb.IP != "" {
			errs = append(errs, validation.IsValidIPForLegacyField(path.Child("ip"), lb.IP, true, oldIPs)...)
		}
		if lb.Hostname != "" {
			for _, msg := range validation.IsDNS1123Subdomain(lb.Hostname) {
				errs = append(errs, field.Invalid(path.Child("hostname"), lb.Hostname, msg))
			}
			if net.ParseIP(lb.Hostname) != nil {
				errs = append(errs, field.Invalid(path.Child("hostname"), lb.Hostname, "must be a DNS name, not an IP address"))
			}
		}
	}
	return errs
}

func hasInvalidSecretName(ing *networkingv1.Ingress) bool {
	for _, tls := range ing.Spec.TLS {
		if tls.SecretName != "" && len(apivalidation.NameIsDNSSubdomain(tls.SecretName, false)) > 0 {
			return true
		}
	}
	return false
}

func hasInvalidWildcardRule(ing *networkingv1.Ingress) bool {
	for i, rule := range ing.Spec.Rules {
		if strings.Contains(rule.Host, "*") && len(validateIngressRule(&ing.Spec.Rules[i], ingressOptions{}, field.NewPath("x"))) > 0 {
			return true
		}
	}
	return false
}

func ingressRow(ing *networkingv1.Ingress) []interface{} {
	class := "<none>"
	if ing.Spec.IngressClassName != nil {
		class = *ing.Spec.IngressClassName
	}
	ports := "80"
	if len(ing.Spec.TLS) != 0 {
		ports = "80, 443"
	}
	return []interface{}{ing.Name, class, ingressHosts(ing.Spec.Rules), ingressAddress(ing.Status.LoadBalancer), ports, registry.Age(ing.CreationTimestamp)}
}

// ingressHosts renders HOSTS: up to three hosts, "*" when no rule names
// one. Like kubectl it counts the remainder over all rules.
func ingressHosts(rules []networkingv1.IngressRule) string {
	var list []string
	more := false
	for _, r := range rules {
		if len(list) == 3 {
			more = true
		}
		if !more && r.Host != "" {
			list = append(list, r.Host)
		}
	}
	if len(list) == 0 {
		return "*"
	}
	if more {
		return fmt.Sprintf("%s + %d more...", strings.Join(list, ","), len(rules)-3)
	}
	return strings.Join(list, ",")
}

// ingressAddress renders ADDRESS: the distinct load balancer IPs, or
// hostnames where there is no IP, sorted.
func ingressAddress(st networkingv1.IngressLoadBalancerStatus) string {
	seen := map[string]bool{}
	var out []string
	for _, i := range st.Ingress {
		a := i.IP
		if a == "" {
			a = i.Hostname
		}
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
