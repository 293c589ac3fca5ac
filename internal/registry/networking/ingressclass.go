package networking

import (
	networkingv1 "k8s.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

const maxControllerLength = 250

var parameterScopes = []string{networkingv1.IngressClassParametersReferenceScopeCluster, networkingv1.IngressClassParametersReferenceScopeNamespace}

func ingressClassRules() registry.Rules {
	validate := func(obj runtime.Object) field.ErrorList {
		return validateIngressClassSpec(&obj.(*networkingv1.IngressClass).Spec, field.NewPath("spec"))
	}
	return registry.Rules{
		Default: func(obj runtime.Object) {
			if p := obj.(*networkingv1.IngressClass).Spec.Parameters; p != nil && p.Scope == nil {
				scope := networkingv1.IngressClassParametersReferenceScopeCluster
				p.Scope = &scope
			}
		},
		Validate: validate,
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			// Ingresses of the class are already being served by its controller.
			errs := apivalidation.ValidateImmutableField(obj.(*networkingv1.IngressClass).Spec.Controller,
				old.(*networkingv1.IngressClass).Spec.Controller, field.NewPath("spec", "controller"))
			return append(errs, validate(obj)...)
		},
		Columns: []metav1.TableColumnDefinition{
			nameColumn,
			{Name: "Controller", Type: "string", Description: "Controller that is responsible for handling this class"},
			{Name: "Parameters", Type: "string", Description: "A reference to a resource with additional parameters"},
			ageColumn,
		},
		Row: func(obj runtime.Object) []interface{} {
			ic := obj.(*networkingv1.IngressClass)
			params := "<none>"
			if p := ic.Spec.Parameters; p != nil {
				params = p.Kind
				if p.APIGroup != nil {
					params += "." + *p.APIGroup
				}
				params += "/" + p.Name
			}
			return []interface{}{ic.Name, ic.Spec.Controller, params, registry.Age(ic.CreationTimestamp)}
		},
	}
}

func validateIngressClassSpec(spec *networkingv1.IngressClassSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	cPath := fldPath.Child("controller")
	if len(spec.Controller) > maxControllerLength {
		errs = append(errs, field.TooLong(cPath, spec.Controller, maxControllerLength))
	}
	errs = append(errs, validation.IsDomainPrefixedPath(cPath, spec.Controller)...)
	p := spec.Parameters
	if p == nil {
		return errs
	}
	pPath := fldPath.Child("parameters")
	errs = append(errs, validateLocalReference(p.APIGroup, p.Kind, p.Name, pPath)...)
	if p.Scope == nil {
		return append(errs, field.Required(pPath.Child("scope"), ""))
	}
	switch *p.Scope {
	case networkingv1.IngressClassParametersReferenceScopeNamespace:
		if p.Namespace == nil {
			errs = append(errs, field.Required(pPath.Child("namespace"), "`parameters.scope` is set to 'Namespace'"))
		} else {
			for _, msg := range apivalidation.NameIsDNSLabel(*p.Namespace, false) {
				errs = append(errs, field.Invalid(pPath.Child("namespace"), *p.Namespace, msg))
			}
		}
	case networkingv1.IngressClassParametersReferenceScopeCluster:
		if p.Namespace != nil {
			errs = append(errs, field.Forbidden(pPath.Child("namespace"), "`parameters.scope` is set to 'Cluster'"))
		}
	default:
		errs = append(errs, field.NotSupported(pPath.Child("scope"), *p.Scope, parameterScopes))
	}
	return errs
}
