package rbac

import (
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

func roleRules() registry.Rules {
	validate := func(obj runtime.Object) field.ErrorList {
		return validatePolicyRules(obj.(*rbacv1.Role).Rules, true)
	}
	return registry.Rules{
		NameValidation: nameValidation,
		Validate:       validate,
		ValidateUpdate: func(obj, _ runtime.Object) field.ErrorList { return validate(obj) },
		Columns:        roleColumns,
		Row: func(obj runtime.Object) []interface{} {
			r := obj.(*rbacv1.Role)
			return []interface{}{r.Name, createdAt(r.CreationTimestamp)}
		},
	}
}

func clusterRoleRules() registry.Rules {
	return registry.Rules{
		NameValidation: nameValidation,
		Validate:       func(obj runtime.Object) field.ErrorList { return validateClusterRole(obj.(*rbacv1.ClusterRole)) },
		ValidateUpdate: func(obj, _ runtime.Object) field.ErrorList { return validateClusterRole(obj.(*rbacv1.ClusterRole)) },
		Columns:        roleColumns,
		Row: func(obj runtime.Object) []interface{} {
			r := obj.(*rbacv1.ClusterRole)
			return []interface{}{r.Name, createdAt(r.CreationTimestamp)}
		},
	}
}

func validateClusterRole(r *rbacv1.ClusterRole) field.ErrorList {
	errs := validatePolicyRules(r.Rules, false)
	if r.AggregationRule == nil {
		return errs
	}
	selPath := field.NewPath("aggregationRule", "clusterRoleSelectors")
	if len(r.AggregationRule.ClusterRoleSelectors) == 0 {
		errs = append(errs, field.Required(selPath, "at least one clusterRoleSelector required if aggregationRule is non-nil"))
	}
	for i := range r.AggregationRule.ClusterRoleSelectors {
		sel := &r.AggregationRule.ClusterRoleSelectors[i]
		errs = append(errs, metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, selPath.Index(i))...)
		if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
			errs = append(errs, field.Invalid(selPath.Index(i), sel, "invalid label selector."))
		}
	}
	return errs
}

func validatePolicyRules(rules []rbacv1.PolicyRule, namespaced bool) field.ErrorList {
	var errs field.ErrorList
	for i := range rules {
		errs = append(errs, validatePolicyRule(&rules[i], namespaced, field.NewPath("rules").Index(i))...)
	}
	return errs
}

// validatePolicyRule checks one rule: it grants verbs either on resources of
// API groups or on non-resource URLs (cluster-wide only, they have no
// namespace), never both.
func validatePolicyRule(rule *rbacv1.PolicyRule, namespaced bool, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(rule.Verbs) == 0 {
		errs = append(errs, field.Required(fldPath.Child("verbs"), "verbs must contain at least one value"))
	}
	if len(rule.NonResourceURLs) > 0 {
		urlPath := fldPath.Child("nonResourceURLs")
		if namespaced {
			errs = append(errs, field.Invalid(urlPath, rule.NonResourceURLs, "namespaced rules cannot apply to non-resource URLs"))
		}
		if len(rule.APIGroups) > 0 || len(rule.Resources) > 0 || len(rule.ResourceNames) > 0 {
			errs = append(errs, field.Invalid(urlPath, rule.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"))
		}
		return errs
	}
	if len(rule.APIGroups) == 0 {
		errs = append(errs, field.Required(fldPath.Child("apiGroups"), "resource rules must supply at least one api group"))
	}
	if len(rule.Resources) == 0 {
		errs = append(errs, field.Required(fldPath.Child("resources"), "resource rules must supply at least one resource"))
	}
	return errs
}

var roleColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	{Name: "Created At", Type: "date", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
}

func createdAt(t metav1.Time) string { return t.UTC().Format(time.RFC3339) }
