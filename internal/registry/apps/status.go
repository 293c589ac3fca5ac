package apps

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// count is one named status counter, for the non-negative checks every
// workload status makes.
type count struct {
	name  string
	value int64
}

func nonnegative(fldPath *field.Path, counts ...count) field.ErrorList {
	var errs field.ErrorList
	for _, c := range counts {
		errs = append(errs, apivalidation.ValidateNonnegativeField(c.value, fldPath.Child(c.name))...)
	}
	return errs
}

// notAbove reports a counter that exceeds its bound (ready replicas above
// replicas) with Kubernetes' message for that pair.
func notAbove(fldPath *field.Path, name string, value, bound int32, msg string) field.ErrorList {
	if value <= bound {
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath.Child(name), value, msg)}
}

// collisionCountNotDecremented keeps status.collisionCount monotonic: the
// controllers use it to derive unique revision names and must never reuse one.
func collisionCountNotDecremented(newCount, oldCount *int32, fldPath *field.Path) field.ErrorList {
	if oldCount == nil {
		return nil
	}
	if newCount != nil && *newCount >= *oldCount {
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath.Child("collisionCount"), int32Value(newCount), "cannot be decremented")}
}

func optional(name string, p *int32) []count {
	if p == nil {
		return nil
	}
	return []count{{name, int64(*p)}}
}
