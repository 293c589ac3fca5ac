package core

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// maxDataSize bounds a config map's or secret's data (1 MiB), which etcd
// must hold in one value.
const maxDataSize = 1 << 20

// immutableMessage is Kubernetes' detail for data changes to an immutable
// config map or secret.
const immutableMessage = "field is immutable when `immutable` is set"

func configMapRules() registry.Rules {
	return registry.Rules{
		Validate: func(obj runtime.Object) field.ErrorList { return validateConfigMap(obj.(*corev1.ConfigMap)) },
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			cm, o := obj.(*corev1.ConfigMap), old.(*corev1.ConfigMap)
			var errs field.ErrorList
			if isTrue(o.Immutable) {
				if !isTrue(cm.Immutable) {
					errs = append(errs, field.Forbidden(field.NewPath("immutable"), immutableMessage))
				}
				if !equality.Semantic.DeepEqual(cm.Data, o.Data) {
					errs = append(errs, field.Forbidden(field.NewPath("data"), immutableMessage))
				}
				if !equality.Semantic.DeepEqual(cm.BinaryData, o.BinaryData) {
					errs = append(errs, field.Forbidden(field.NewPath("binaryData"), immutableMessage))
				}
			}
			return append(errs, validateConfigMap(cm)...)
		},
		Columns: []metav1.TableColumnDefinition{
			nameColumn,
			{Name: "Data", Type: "string", Description: corev1.ConfigMap{}.SwaggerDoc()["data"]},
			ageColumn,
		},
		Row: func(obj runtime.Object) []interface{} {
			cm := obj.(*corev1.ConfigMap)
			return []interface{}{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), registry.Age(cm.CreationTimestamp)}
		},
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

func validateConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for _, key := range sortedKeys(cm.Data) {
		p := field.NewPath("data").Key(key)
		errs = append(errs, messages(key, validation.IsConfigMapKey(key), p)...)
		if _, dup := cm.BinaryData[key]; dup {
			errs = append(errs, field.Invalid(p, key, "duplicate of key present in binaryData"))
		}
		size += len(cm.Data[key])
	}
	for _, key := range sortedKeys(cm.BinaryData) {
		errs = append(errs, messages(key, validation.IsConfigMapKey(key), field.NewPath("binaryData").Key(key))...)
		size += len(cm.BinaryData[key])
	}
	if size > maxDataSize {
		// The empty path says the error is about the whole object.
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxDataSize))
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
