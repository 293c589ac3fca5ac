package coordination

import (
	"strings"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

func leaseRules() registry.Rules {
	validate := func(obj runtime.Object) field.ErrorList {
		return validateLeaseSpec(&obj.(*coordinationv1.Lease).Spec, field.NewPath("spec"))
	}
	return registry.Rules{
		Validate:       validate,
		ValidateUpdate: func(obj, _ runtime.Object) field.ErrorList { return validate(obj) },
		Columns:        leaseColumns,
		Row:            func(obj runtime.Object) []interface{} { return leaseRow(obj.(*coordinationv1.Lease)) },
	}
}

// strategies are the Kubernetes-defined coordinated leader election
// strategies; other strategies must be domain-prefixed ("example.com/mine").
var strategies = []coordinationv1.CoordinatedLeaseStrategy{coordinationv1.OldestEmulationVersion}

// validateLeaseSpec checks a lease. The holder identity is free-form.
func validateLeaseSpec(spec *coordinationv1.LeaseSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if d := spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(fldPath.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if t := spec.LeaseTransitions; t != nil && *t < 0 {
		errs = append(errs, field.Invalid(fldPath.Child("leaseTransitions"), *t, "must be greater than or equal to 0"))
	}
	if s := spec.Strategy; s != nil {
		path := fldPath.Child("strategy")
		if !strings.Contains(string(*s), "/") {
			if !contains(strategies, *s) {
				errs = append(errs, field.NotSupported(path, *s, strategies))
			}
		} else {
			for _, msg := range content.IsLabelKey(string(*s)) {
				errs = append(errs, field.Invalid(path, string(*s), msg))
			}
		}
	}
	if p := spec.PreferredHolder; p != nil && *p != "" && (spec.Strategy == nil || *spec.Strategy == "") {
		errs = append(errs, field.Forbidden(fldPath.Child("preferredHolder"), "may only be specified if `strategy` is defined"))
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

var leaseColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	{Name: "Holder", Type: "string", Description: coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]},
	{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
}

func leaseRow(l *coordinationv1.Lease) []interface{} {
	holder := "<unknown>"
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	return []interface{}{l.Name, holder, registry.Age(l.CreationTimestamp)}
}
