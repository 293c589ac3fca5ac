package policy

import (
	policyv1 "k8s.io/api/policy/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
	"github.com/bosun-dev/bosun/internal/registry/apps"
)

var evictionPolicies = []policyv1.UnhealthyPodEvictionPolicyType{policyv1.AlwaysAllow, policyv1.IfHealthyBudget}

func pdbRules() registry.Rules {
	validate := func(obj runtime.Object) field.ErrorList {
		return validatePDBSpec(&obj.(*policyv1.PodDisruptionBudget).Spec, field.NewPath("spec"))
	}
	return registry.Rules{
		Validate:       validate,
		ValidateUpdate: func(obj, _ runtime.Object) field.ErrorList { return validate(obj) },
		ValidateStatusUpdate: func(obj, _ runtime.Object) field.ErrorList {
			return validatePDBStatus(&obj.(*policyv1.PodDisruptionBudget).Status)
		},
		Columns: pdbColumns,
		Row:     func(obj runtime.Object) []interface{} { return pdbRow(obj.(*policyv1.PodDisruptionBudget)) },
	}
}

// validatePDBSpec: a budget is stated one way, as pods that must stay or as
// pods that may go, each a count or a percentage of the selected pods.
func validatePDBSpec(spec *policyv1.PodDisruptionBudgetSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.MinAvailable != nil && spec.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(fldPath, spec, "minAvailable and maxUnavailable cannot be both set"))
	}
	if v := spec.MinAvailable; v != nil {
		errs = append(errs, apps.ValidatePositiveIntOrPercent(*v, fldPath.Child("minAvailable"))...)
		errs = append(errs, apps.IsNotMoreThan100Percent(*v, fldPath.Child("minAvailable"))...)
	}
	if v := spec.MaxUnavailable; v != nil {
		errs = append(errs, apps.ValidatePositiveIntOrPercent(*v, fldPath.Child("maxUnavailable"))...)
		errs = append(errs, apps.IsNotMoreThan100Percent(*v, fldPath.Child("maxUnavailable"))...)
	}
	errs = append(errs, metavalidation.ValidateLabelSelector(spec.Selector, metavalidation.LabelSelectorValidationOptions{}, fldPath.Child("selector"))...)
	if p := spec.UnhealthyPodEvictionPolicy; p != nil {
		valid := false
		for _, e := range evictionPolicies {
			valid = valid || *p == e
		}
		if !valid {
			errs = append(errs, field.NotSupported(fldPath.Child("unhealthyPodEvictionPolicy"), *p, evictionPolicies))
		}
	}
	return errs
}

func validatePDBStatus(st *policyv1.PodDisruptionBudgetStatus) field.ErrorList {
	fldPath := field.NewPath("status")
	errs := metavalidation.ValidateConditions(st.Conditions, fldPath.Child("conditions"))
	for _, c := range []struct {
		name string
		v    int32
	}{
		{"disruptionsAllowed", st.DisruptionsAllowed},
		{"currentHealthy", st.CurrentHealthy},
		{"desiredHealthy", st.DesiredHealthy},
		{"expectedPods", st.ExpectedPods},
	} {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(c.v), fldPath.Child(c.name))...)
	}
	return errs
}

var pdbColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	{Name: "Min Available", Type: "string", Description: "The minimum number of pods that must be available."},
	{Name: "Max Unavailable", Type: "string", Description: "The maximum number of pods that may be unavailable."},
	{Name: "Allowed Disruptions", Type: "integer", Description: "Calculated number of pods that may be disrupted at this time."},
	{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
}

func pdbRow(p *policyv1.PodDisruptionBudget) []interface{} {
	minAvailable, maxUnavailable := "N/A", "N/A"
	if p.Spec.MinAvailable != nil {
		minAvailable = p.Spec.MinAvailable.String()
	}
	if p.Spec.MaxUnavailable != nil {
		maxUnavailable = p.Spec.MaxUnavailable.String()
	}
	return []interface{}{p.Name, minAvailable, maxUnavailable, int64(p.Status.DisruptionsAllowed), registry.Age(p.CreationTimestamp)}
}
