package core

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

var limitTypes = []corev1.LimitType{corev1.LimitTypeContainer, corev1.LimitTypePersistentVolumeClaim, corev1.LimitTypePod}

// limitRangeRules: Kubernetes prints limit ranges with the default NAME and
// CREATED AT columns, so there are no table rules here.
func limitRangeRules() registry.Rules {
	validate := func(obj runtime.Object) field.ErrorList {
		return validateLimitRange(&obj.(*corev1.LimitRange).Spec, field.NewPath("spec", "limits"))
	}
	return registry.Rules{
		Default: func(obj runtime.Object) {
			lr := obj.(*corev1.LimitRange)
			for i := range lr.Spec.Limits {
				defaultLimitRangeItem(&lr.Spec.Limits[i])
			}
		},
		Validate:       validate,
		ValidateUpdate: func(obj, _ runtime.Object) field.ErrorList { return validate(obj) },
	}
}

// defaultLimitRangeItem fills a container limit's defaults from its bounds:
// the default limit from max, the default request from the default limit,
// else from min.
func defaultLimitRangeItem(l *corev1.LimitRangeItem) {
	if l.Type != corev1.LimitTypeContainer {
		return
	}
	if l.Default == nil {
		l.Default = corev1.ResourceList{}
	}
	if l.DefaultRequest == nil {
		l.DefaultRequest = corev1.ResourceList{}
	}
	for name, q := range l.Max {
		if _, ok := l.Default[name]; !ok {
			l.Default[name] = q.DeepCopy()
		}
	}
	for name, q := range l.Default {
		if _, ok := l.DefaultRequest[name]; !ok {
			l.DefaultRequest[name] = q.DeepCopy()
		}
	}
	for name, q := range l.Min {
		if _, ok := l.DefaultRequest[name]; !ok {
			l.DefaultRequest[name] = q.DeepCopy()
		}
	}
}

// validateLimitRange checks each limit's bounds are ordered:
// min ≤ defaultRequest ≤ default ≤ max.
func validateLimitRange(spec *corev1.LimitRangeSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[corev1.LimitType]bool{}
	for i, l := range spec.Limits {
		p := fldPath.Index(i)
		switch l.Type {
		case corev1.LimitTypeContainer, corev1.LimitTypePod, corev1.LimitTypePersistentVolumeClaim:
		case "":
			errs = append(errs, field.Required(p.Child("type"), ""))
		default:
			errs = append(errs, field.NotSupported(p.Child("type"), l.Type, limitTypes))
		}
		if seen[l.Type] {
			errs = append(errs, field.Duplicate(p.Child("type"), l.Type))
		}
		seen[l.Type] = true
		if l.Type == corev1.LimitTypePod {
			if len(l.Default) > 0 {
				errs = append(errs, field.Forbidden(p.Child("default"), "may not be specified when `type` is 'Pod'"))
			}
			if len(l.DefaultRequest) > 0 {
				errs = append(errs, field.Forbidden(p.Child("defaultRequest"), "may not be specified when `type` is 'Pod'"))
			}
		}
		for _, list := range []struct {
			name string
			rl   corev1.ResourceList
		}{{"max", l.Max}, {"min", l.Min}, {"default", l.Default}, {"defaultRequest", l.DefaultRequest}, {"maxLimitRequestRatio", l.MaxLimitRequestRatio}} {
			for _, name := range sortedNames(list.rl) {
				kp := p.Child(list.name).Key(string(name))
				errs = append(errs, qualifiedName(string(name), kp)...)
				errs = append(errs, validateResourceQuantity(name, list.rl[name], kp)...)
			}
		}
		errs = append(errs, validateLimitBounds(&l, p)...)
	}
	return errs
}

func validateLimitBounds(l *corev1.LimitRangeItem, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := map[corev1.ResourceName]bool{}
	for _, rl := range []corev1.ResourceList{l.Max, l.Min, l.Default, l.DefaultRequest, l.MaxLimitRequestRatio} {
		for n := range rl {
			names[n] = true
		}
	}
	for _, name := range sortedNames(resourceSet(names)) {
		key := string(name)
		min, hasMin := l.Min[name]
		max, hasMax := l.Max[name]
		def, hasDef := l.Default[name]
		req, hasReq := l.DefaultRequest[name]
		ratio, hasRatio := l.MaxLimitRequestRatio[name]
		if hasMin && hasMax && min.Cmp(max) > 0 {
			errs = append(errs, field.Invalid(p.Child("min").Key(key), min, fmt.Sprintf("min value %s is greater than max value %s", min.String(), max.String())))
		}
		if hasReq && hasMin && min.Cmp(req) > 0 {
			errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(key), req, fmt.Sprintf("min value %s is greater than default request value %s", min.String(), req.String())))
		}
		if hasReq && hasMax && req.Cmp(max) > 0 {
			errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(key), req, fmt.Sprintf("default request value %s is greater than max value %s", req.String(), max.String())))
		}
		if hasReq && hasDef && req.Cmp(def) > 0 {
			errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(key), req, fmt.Sprintf("default request value %s is greater than default limit value %s", req.String(), def.String())))
		}
		if hasDef && hasMin && min.Cmp(def) > 0 {
			errs = append(errs, field.Invalid(p.Child("default").Key(key), def, fmt.Sprintf("min value %s is greater than default value %s", min.String(), def.String())))
		}
		if hasDef && hasMax && def.Cmp(max) > 0 {
			errs = append(errs, field.Invalid(p.Child("default").Key(key), def, fmt.Sprintf("default value %s is greater than max value %s", def.String(), max.String())))
		}
		if hasRatio {
			rp := p.Child("maxLimitRequestRatio").Key(key)
			if ratio.Cmp(resource.MustParse("1")) < 0 {
				errs = append(errs, field.Invalid(rp, ratio, fmt.Sprintf("ratio %s is less than 1", ratio.String())))
			}
			if hasMin && hasMax && min.MilliValue() > 0 {
				if limit := float64(max.MilliValue()) / float64(min.MilliValue()); float64(ratio.MilliValue())/1000 > limit {
					errs = append(errs, field.Invalid(rp, ratio, fmt.Sprintf("ratio %s is greater than max/min = %f", ratio.String(), limit)))
				}
			}
		}
	}
	return errs
}

func resourceSet(names map[corev1.ResourceName]bool) corev1.ResourceList {
	rl := corev1.ResourceList{}
	for n := range names {
		rl[n] = resource.Quantity{}
	}
	return rl
}
