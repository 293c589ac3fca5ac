package storage

import (
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Limits on provisioner parameters, which travel in every provisioning call.
const (
	maxParameters     = 512
	maxParametersSize = 256 * 1024
)

// Default-class annotations: the GA one and the beta one still honoured.
const (
	isDefaultAnnotation     = "storageclass.kubernetes.io/is-default-class"
	betaIsDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

var (
	reclaimPolicies = []corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRetain}
	bindingModes    = []storagev1.VolumeBindingMode{storagev1.VolumeBindingImmediate, storagev1.VolumeBindingWaitForFirstConsumer}
)

func storageClassRules() registry.Rules {
	return registry.Rules{
		Default: func(obj runtime.Object) {
			sc := obj.(*storagev1.StorageClass)
			if sc.ReclaimPolicy == nil {
				p := corev1.PersistentVolumeReclaimDelete
				sc.ReclaimPolicy = &p
			}
			if sc.VolumeBindingMode == nil {
				m := storagev1.VolumeBindingImmediate
				sc.VolumeBindingMode = &m
			}
		},
		Validate: func(obj runtime.Object) field.ErrorList { return validateStorageClass(obj.(*storagev1.StorageClass)) },
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validateStorageClassUpdate(obj.(*storagev1.StorageClass), old.(*storagev1.StorageClass))
		},
		Columns: []metav1.TableColumnDefinition{
			nameColumn,
			{Name: "Provisioner", Type: "string", Description: storagev1.StorageClass{}.SwaggerDoc()["provisioner"]},
			{Name: "ReclaimPolicy", Type: "string", Description: storagev1.StorageClass{}.SwaggerDoc()["reclaimPolicy"]},
			{Name: "VolumeBindingMode", Type: "string", Description: storagev1.StorageClass{}.SwaggerDoc()["volumeBindingMode"]},
			{Name: "AllowVolumeExpansion", Type: "string", Description: storagev1.StorageClass{}.SwaggerDoc()["allowVolumeExpansion"]},
			ageColumn,
		},
		Row: func(obj runtime.Object) []interface{} { return storageClassRow(obj.(*storagev1.StorageClass)) },
	}
}

func validateStorageClass(sc *storagev1.StorageClass) field.ErrorList {
	var errs field.ErrorList
	provPath := field.NewPath("provisioner")
	if sc.Provisioner == "" {
		errs = append(errs, field.Required(provPath, ""))
	} else {
		for _, msg := range content.IsLabelKey(strings.ToLower(sc.Provisioner)) {
			errs = append(errs, field.Invalid(provPath, strings.ToLower(sc.Provisioner), msg))
		}
	}
	errs = append(errs, validateParameters(sc.Parameters, field.NewPath("parameters"))...)
	if p := sc.ReclaimPolicy; p != nil && *p != "" && !contains(reclaimPolicies, *p) {
		errs = append(errs, field.NotSupported(field.NewPath("reclaimPolicy"), *p, reclaimPolicies))
	}
	switch m := sc.VolumeBindingMode; {
	case m == nil:
		errs = append(errs, field.Required(field.NewPath("volumeBindingMode"), ""))
	case !contains(bindingModes, *m):
		errs = append(errs, field.NotSupported(field.NewPath("volumeBindingMode"), *m, bindingModes))
	}
	return append(errs, validateAllowedTopologies(sc.AllowedTopologies, field.NewPath("allowedTopologies"))...)
}

func validateParameters(params map[string]string, fldPath *field.Path) field.ErrorList {
	if len(params) > maxParameters {
		return field.ErrorList{field.TooLong(fldPath, "", maxParameters)}
	}
	var errs field.ErrorList
	size := 0
	for k, v := range params {
		if k == "" {
			errs = append(errs, field.Invalid(fldPath, k, "field can not be empty."))
		}
		size += len(k) + len(v)
	}
	if size > maxParametersSize {
		errs = append(errs, field.TooLong(fldPath, "", maxParametersSize))
	}
	return errs
}

// validateAllowedTopologies checks the topology terms a class restricts
// provisioning to: label keys with distinct values, no repeated term.
func validateAllowedTopologies(terms []corev1.TopologySelectorTerm, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	var seen []map[string]map[string]bool
	for i, term := range terms {
		path := fldPath.Index(i)
		exprs := map[string]map[string]bool{}
		for j, req := range term.MatchLabelExpressions {
			reqPath := path.Child("matchLabelExpressions").Index(j)
			values := map[string]bool{}
			if len(req.Values) == 0 {
				errs = append(errs, field.Required(reqPath.Child("values"), ""))
			}
			for k, v := range req.Values {
				if values[v] {
					errs = append(errs, field.Duplicate(reqPath.Child("values").Index(k), v))
				}
				values[v] = true
			}
			errs = append(errs, metavalidation.ValidateLabelName(req.Key, reqPath.Child("key"))...)
			if _, ok := exprs[req.Key]; ok {
				errs = append(errs, field.Duplicate(reqPath.Child("key"), req.Key))
			}
			exprs[req.Key] = values
		}
		for _, s := range seen {
			if reflect.DeepEqual(s, exprs) {
				errs = append(errs, field.Duplicate(path.Child("matchLabelExpressions"), ""))
			}
		}
		seen = append(seen, exprs)
	}
	return errs
}

// validateStorageClassUpdate: volumes already provisioned from a class
// embody its provisioner, parameters and policies; changing them would make
// the class lie about its volumes.
func validateStorageClassUpdate(sc, old *storagev1.StorageClass) field.ErrorList {
	errs := validateStorageClass(sc)
	if !reflect.DeepEqual(nonNil(sc.Parameters), nonNil(old.Parameters)) {
		errs = append(errs, field.Forbidden(field.NewPath("parameters"), "updates to parameters are forbidden."))
	}
	if sc.Provisioner != old.Provisioner {
		errs = append(errs, field.Forbidden(field.NewPath("provisioner"), "updates to provisioner are forbidden."))
	}
	if !reflect.DeepEqual(sc.ReclaimPolicy, old.ReclaimPolicy) {
		errs = append(errs, field.Forbidden(field.NewPath("reclaimPolicy"), "updates to reclaimPolicy are forbidden."))
	}
	return append(errs, apivalidation.ValidateImmutableField(sc.VolumeBindingMode, old.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func storageClassRow(sc *storagev1.StorageClass) []interface{} {
	name := sc.Name
	if sc.Annotations[isDefaultAnnotation] == "true" || sc.Annotations[betaIsDefaultAnnotation] == "true" {
		name += " (default)"
	}
	reclaim := string(corev1.PersistentVolumeReclaimDelete)
	if sc.ReclaimPolicy != nil {
		reclaim = string(*sc.ReclaimPolicy)
	}
	binding := string(storagev1.VolumeBindingImmediate)
	if sc.VolumeBindingMode != nil {
		binding = string(*sc.VolumeBindingMode)
	}
	expand := sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion
	return []interface{}{name, sc.Provisioner, reclaim, binding, expand, registry.Age(sc.CreationTimestamp)}
}
