package core

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// quotaResources may be named in a quota without a domain.
var quotaResources = sets.New[corev1.ResourceName](
	corev1.ResourcePods, corev1.ResourceQuotas, corev1.ResourceServices, corev1.ResourceReplicationControllers,
	corev1.ResourceSecrets, corev1.ResourceConfigMaps, corev1.ResourcePersistentVolumeClaims,
	corev1.ResourceServicesNodePorts, corev1.ResourceServicesLoadBalancers,
	corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage,
	corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceRequestsStorage, corev1.ResourceRequestsEphemeralStorage,
	corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory, corev1.ResourceLimitsEphemeralStorage,
)

var quotaScopes = []corev1.ResourceQuotaScope{
	corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeCrossNamespacePodAffinity, corev1.ResourceQuotaScopeNotBestEffort,
	corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopePriorityClass, corev1.ResourceQuotaScopeTerminating,
	corev1.ResourceQuotaScopeVolumeAttributesClass,
}

func resourceQuotaRules() registry.Rules {
	validate := func(obj runtime.Object) field.ErrorList {
		return validateQuotaSpec(&obj.(*corev1.ResourceQuota).Spec, field.NewPath("spec"))
	}
	return registry.Rules{
		Validate:       validate,
		ValidateUpdate: func(obj, _ runtime.Object) field.ErrorList { return validate(obj) },
		ValidateStatusUpdate: func(obj, _ runtime.Object) field.ErrorList {
			s := &obj.(*corev1.ResourceQuota).Status
			p := field.NewPath("status")
			return append(validateQuotaList(s.Hard, p.Child("hard")), validateQuotaList(s.Used, p.Child("used"))...)
		},
		Columns: []metav1.TableColumnDefinition{
			nameColumn,
			ageColumn,
			{Name: "Request", Type: "string", Description: "Request represents a minimum amount of cpu/memory that a container may consume."},
			{Name: "Limit", Type: "string", Description: "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."},
		},
		Row: func(obj runtime.Object) []interface{} { return resourceQuotaRow(obj.(*corev1.ResourceQuota)) },
	}
}

func validateQuotaSpec(spec *corev1.ResourceQuotaSpec, fldPath *field.Path) field.ErrorList {
	errs := validateQuotaList(spec.Hard, fldPath.Child("hard"))
	scopes := sets.New[corev1.ResourceQuotaScope]()
	for _, s := range spec.Scopes {
		if !sets.New(quotaScopes...).Has(s) {
			errs = append(errs, field.Invalid(fldPath.Child("scopes"), spec.Scopes, "unsupported scope"))
		}
		scopes.Insert(s)
	}
	if sel := spec.ScopeSelector; sel != nil {
		for i, r := range sel.MatchExpressions {
			p := fldPath.Child("scopeSelector", "matchExpressions").Index(i)
			if !sets.New(quotaScopes...).Has(r.ScopeName) {
				errs = append(errs, field.Invalid(p.Child("scopeName"), r.ScopeName, "unsupported scope"))
			}
			scopes.Insert(r.ScopeName)
			switch r.Operator {
			case corev1.ScopeSelectorOpIn, corev1.ScopeSelectorOpNotIn:
				if len(r.Values) == 0 {
					errs = append(errs, field.Required(p.Child("values"), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"))
				}
			case corev1.ScopeSelectorOpExists, corev1.ScopeSelectorOpDoesNotExist:
				if len(r.Values) > 0 {
					errs = append(errs, field.Invalid(p.Child("values"), r.Values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
				}
			default:
				errs = append(errs, field.Invalid(p.Child("operator"), r.Operator, "not a valid selector operator"))
			}
		}
	}
	if scopes.HasAll(corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating) ||
		scopes.HasAll(corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort) {
		errs = append(errs, field.Invalid(fldPath.Child("scopes"), spec.Scopes, "conflicting scopes"))
	}
	return errs
}

func validateQuotaList(rl corev1.ResourceList, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, name := range sortedNames(rl) {
		p := fldPath.Key(string(name))
		errs = append(errs, qualifiedName(string(name), p)...)
		if !strings.Contains(string(name), "/") && !quotaResources.Has(name) && !hugePages(name) &&
			!strings.HasPrefix(string(name), corev1.DefaultResourceRequestsPrefix+corev1.ResourceHugePagesPrefix) {
			errs = append(errs, field.Invalid(p, name, "must be a standard resource for quota"))
		}
		errs = append(errs, validateResourceQuantity(name, rl[name], p)...)
	}
	return errs
}

// resourceQuotaRow shows "used/hard" per resource, limits.* in LIMIT and the
// rest in REQUEST.
func resourceQuotaRow(q *corev1.ResourceQuota) []interface{} {
	var requests, limits []string
	for _, name := range sortedNames(q.Status.Hard) {
		used, hard := q.Status.Used[name], q.Status.Hard[name]
		cell := fmt.Sprintf("%s: %s/%s", name, used.String(), hard.String())
		if strings.HasPrefix(string(name), "limits.") {
			limits = append(limits, cell)
		} else {
			requests = append(requests, cell)
		}
	}
	return []interface{}{q.Name, registry.Age(q.CreationTimestamp), strings.Join(requests, ", "), strings.Join(limits, ", ")}
}
