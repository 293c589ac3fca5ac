package crd

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validate checks an object against the version's schema, its list-type
// invariants and then its CEL rules. Rules are skipped when the object has
// type errors, since they would see values of the wrong type.
func (v *version) validate(obj, old runtime.Object) field.ErrorList {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("expected *unstructured.Unstructured, got %T", obj))}
	}
	var errs field.ErrorList
	if want := (schema.GroupVersion{Group: v.group, Version: v.name}).String(); u.GetAPIVersion() != want {
		errs = append(errs, field.Invalid(field.NewPath("apiVersion"), u.GetAPIVersion(), "must be "+want))
	}
	if u.GetKind() != v.kind {
		errs = append(errs, field.Invalid(field.NewPath("kind"), u.GetKind(), "must be "+v.kind))
	}
	errs = append(errs, v.validator.validate(nil, u.Object)...)
	errs = append(errs, validateListTypes(nil, u.Object, v.schema)...)
	errs = append(errs, validateEmbedded(nil, u.Object, v.schema, true)...)
	errs = append(errs, v.validateScale(u)...)
	if v.cel == nil {
		return errs
	}
	for _, e := range errs {
		if e.Type == field.ErrorTypeTypeInvalid {
			return append(errs, field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"))
		}
	}
	var oldObj map[string]interface{}
	if ou, ok := old.(*unstructured.Unstructured); ok && ou != nil {
		oldObj = ou.Object
	}
	return append(errs, v.cel.celValidate(u.Object, oldObj)...)
}

// validateScale checks the replica and selector fields the scale
// subresource reads.
func (v *version) validateScale(u *unstructured.Unstructured) field.ErrorList {
	if v.scale == nil {
		return nil
	}
	var errs field.ErrorList
	check := func(path string) {
		val, found, p := lookupPath(u.Object, path)
		if !found || val == nil {
			return
		}
		n, ok := val.(int64)
		if !ok {
			errs = append(errs, field.Invalid(p, val, "should be an integer"))
			return
		}
		if n < 0 {
			errs = append(errs, field.Invalid(p, n, "should be a non-negative integer"))
		} else if n > 1<<31-1 {
			errs = append(errs, field.Invalid(p, n, "should be less than or equal to 2147483647"))
		}
	}
	check(v.scale.SpecReplicasPath)
	check(v.scale.StatusReplicasPath)
	if v.scale.LabelSelectorPath != nil {
		if val, found, p := lookupPath(u.Object, *v.scale.LabelSelectorPath); found && val != nil {
			if _, ok := val.(string); !ok {
				errs = append(errs, field.Invalid(p, val, "must be a string"))
			}
		}
	}
	return errs
}

// lookupPath reads a simple dotted path (".spec.replicas").
func lookupPath(obj map[string]interface{}, path string) (interface{}, bool, *field.Path) {
	var p *field.Path
	var cur interface{} = obj
	for _, seg := range splitDotted(path) {
		m, ok := cur.(map[string]interface{})
		if !ok {
			return nil, false, nil
		}
		if p == nil {
			p = field.NewPath(seg)
		} else {
			p = p.Child(seg)
		}
		cur, ok = m[seg]
		if !ok {
			return nil, false, nil
		}
	}
	return cur, true, p
}

func splitDotted(path string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(path); i++ {
		if i == len(path) || path[i] == '.' {
			if start >= 0 && i > start {
				out = append(out, path[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// fields returns the CRD's selectableFields of obj, as strings.
func (v *version) fields(obj runtime.Object) fields.Set {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil
	}
	out := fields.Set{}
	for name, c := range v.selectable {
		val := c.cell(u.Object, time.Now)
		if val == nil {
			out[name] = ""
			continue
		}
		out[name] = fmt.Sprint(val)
	}
	return out
}
