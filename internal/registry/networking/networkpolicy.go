package networking

import (
	"net"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

var (
	policyProtocols = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}
	policyTypes     = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
)

func networkPolicyRules() registry.Rules {
	return registry.Rules{
		Default: func(obj runtime.Object) { defaultNetworkPolicy(obj.(*networkingv1.NetworkPolicy)) },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validateNetworkPolicySpec(&obj.(*networkingv1.NetworkPolicy).Spec, nil, field.NewPath("spec"))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validateNetworkPolicySpec(&obj.(*networkingv1.NetworkPolicy).Spec, policyCIDRs(old.(*networkingv1.NetworkPolicy)), field.NewPath("spec"))
		},
		Columns: []metav1.TableColumnDefinition{
			nameColumn,
			{Name: "Pod-Selector", Type: "string", Description: networkingv1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"]},
			ageColumn,
		},
		Row: func(obj runtime.Object) []interface{} {
			np := obj.(*networkingv1.NetworkPolicy)
			return []interface{}{np.Name, metav1.FormatLabelSelector(&np.Spec.PodSelector), registry.Age(np.CreationTimestamp)}
		},
	}
}

func defaultNetworkPolicy(np *networkingv1.NetworkPolicy) {
	tcp := func(ports []networkingv1.NetworkPolicyPort) {
		for i := range ports {
			if ports[i].Protocol == nil {
				p := corev1.ProtocolTCP
				ports[i].Protocol = &p
			}
		}
	}
	for i := range np.Spec.Ingress {
		tcp(np.Spec.Ingress[i].Ports)
	}
	for i := range np.Spec.Egress {
		tcp(np.Spec.Egress[i].Ports)
	}
	// A policy without types isolates ingress, and egress too when it has
	// egress rules: the meaning policies had before policyTypes existed.
	if len(np.Spec.PolicyTypes) == 0 {
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) != 0 {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
}

// validateNetworkPolicySpec checks a policy. oldCIDRs are accepted even when
// stricter parsing now rejects them, so stored policies stay updatable.
func validateNetworkPolicySpec(spec *networkingv1.NetworkPolicySpec, oldCIDRs []string, fldPath *field.Path) field.ErrorList {
	errs := metavalidation.ValidateLabelSelector(&spec.PodSelector, metavalidation.LabelSelectorValidationOptions{}, fldPath.Child("podSelector"))
	for i, rule := range spec.Ingress {
		path := fldPath.Child("ingress").Index(i)
		for j := range rule.Ports {
			errs = append(errs, validatePolicyPort(&rule.Ports[j], path.Child("ports").Index(j))...)
		}
		for j := range rule.From {
			errs = append(errs, validatePeer(&rule.From[j], oldCIDRs, path.Child("from").Index(j))...)
		}
	}
	for i, rule := range spec.Egress {
		path := fldPath.Child("egress").Index(i)
		for j := range rule.Ports {
			errs = append(errs, validatePolicyPort(&rule.Ports[j], path.Child("ports").Index(j))...)
		}
		for j := range rule.To {
			errs = append(errs, validatePeer(&rule.To[j], oldCIDRs, path.Child("to").Index(j))...)
		}
	}
	if len(spec.PolicyTypes) > len(policyTypes) {
		return append(errs, field.Invalid(fldPath.Child("policyTypes"), spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range spec.PolicyTypes {
		if !contains(policyTypes, t) {
			errs = append(errs, field.NotSupported(fldPath.Child("policyTypes").Index(i), t, policyTypes))
		}
	}
	return errs
}

func validatePolicyPort(p *networkingv1.NetworkPolicyPort, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if p.Protocol != nil && !contains(policyProtocols, *p.Protocol) {
		errs = append(errs, field.NotSupported(fldPath.Child("protocol"), *p.Protocol, policyProtocols))
	}
	switch {
	case p.Port == nil:
		if p.EndPort != nil {
			errs = append(errs, field.Invalid(fldPath.Child("endPort"), *p.EndPort, "may not be specified when `port` is not specified"))
		}
	case p.Port.Type == intstr.Int:
		for _, msg := range validation.IsValidPortNum(int(p.Port.IntVal)) {
			errs = append(errs, field.Invalid(fldPath.Child("port"), p.Port.IntVal, msg))
		}
		if p.EndPort != nil {
			if *p.EndPort < p.Port.IntVal {
				errs = append(errs, field.Invalid(fldPath.Child("endPort"), p.Port.IntVal, "must be greater than or equal to `port`"))
			}
			for _, msg := range validation.IsValidPortNum(int(*p.EndPort)) {
				errs = append(errs, field.Invalid(fldPath.Child("endPort"), *p.EndPort, msg))
			}
		}
	default:
		// A named port resolves per pod, so a range has no meaning.
		if p.EndPort != nil {
			errs = append(errs, field.Invalid(fldPath.Child("endPort"), *p.EndPort, "may not be specified when `port` is non-numeric"))
		}
		for _, msg := range validation.IsValidPortName(p.Port.StrVal) {
			errs = append(errs, field.Invalid(fldPath.Child("port"), p.Port.StrVal, msg))
		}
	}
	return errs
}

// validatePeer: a peer selects pods (by pod and/or namespace labels) or an
// IP block, never both, since an IP block ignores labels.
func validatePeer(peer *networkingv1.NetworkPolicyPeer, oldCIDRs []string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	opts := metavalidation.LabelSelectorValidationOptions{}
	if peer.PodSelector != nil {
		n++
		errs = append(errs, metavalidation.ValidateLabelSelector(peer.PodSelector, opts, fldPath.Child("podSelector"))...)
	}
	if peer.NamespaceSelector != nil {
		n++
		errs = append(errs, metavalidation.ValidateLabelSelector(peer.NamespaceSelector, opts, fldPath.Child("namespaceSelector"))...)
	}
	if peer.IPBlock != nil {
		n++
		errs = append(errs, validateIPBlock(peer.IPBlock, oldCIDRs, fldPath.Child("ipBlock"))...)
	}
	switch {
	case n == 0:
		errs = append(errs, field.Required(fldPath, "must specify a peer"))
	case n > 1 && peer.IPBlock != nil:
		errs = append(errs, field.Forbidden(fldPath, "may not specify both ipBlock and another peer"))
	}
	return errs
}

func validateIPBlock(b *networkingv1.IPBlock, oldCIDRs []string, fldPath *field.Path) field.ErrorList {
	if b.CIDR == "" {
		return field.ErrorList{field.Required(fldPath.Child("cidr"), "")}
	}
	errs := validation.IsValidCIDRForLegacyField(fldPath.Child("cidr"), b.CIDR, true, oldCIDRs)
	_, cidr, err := net.ParseCIDR(b.CIDR)
	if err != nil {
		return errs
	}
	for i, e := range b.Except {
		path := fldPath.Child("except").Index(i)
		errs = append(errs, validation.IsValidCIDRForLegacyField(path, e, true, oldCIDRs)...)
		_, except, err := net.ParseCIDR(e)
		if err != nil {
			continue
		}
		bits, _ := cidr.Mask.Size()
		exceptBits, _ := except.Mask.Size()
		if !cidr.Contains(except.IP) || bits >= exceptBits {
			errs = append(errs, field.Invalid(path, e, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}

func policyCIDRs(np *networkingv1.NetworkPolicy) []string {
	var out []string
	add := func(peers []networkingv1.NetworkPolicyPeer) {
		for _, p := range peers {
			if p.IPBlock != nil {
				out = append(out, p.IPBlock.CIDR)
				out = append(out, p.IPBlock.Except...)
			}
		}
	}
	for _, r := range np.Spec.Ingress {
		add(r.From)
	}
	for _, r := range np.Spec.Egress {
		add(r.To)
	}
	return out
}
