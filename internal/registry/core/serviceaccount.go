package core

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

func serviceAccountRules() registry.Rules {
	validate := func(obj runtime.Object) field.ErrorList {
		sa := obj.(*corev1.ServiceAccount)
		var errs field.ErrorList
		for i, ref := range sa.ImagePullSecrets {
			if ref.Name == "" {
				errs = append(errs, field.Required(field.NewPath("imagePullSecrets").Index(i).Child("name"), ""))
			}
		}
		return errs
	}
	return registry.Rules{
		Validate:       validate,
		ValidateUpdate: func(obj, _ runtime.Object) field.ErrorList { return validate(obj) },
		Columns: []metav1.TableColumnDefinition{
			nameColumn,
			{Name: "Secrets", Type: "string", Description: corev1.ServiceAccount{}.SwaggerDoc()["secrets"]},
			ageColumn,
		},
		Row: func(obj runtime.Object) []interface{} {
			sa := obj.(*corev1.ServiceAccount)
			return []interface{}{sa.Name, int64(len(sa.Secrets)), registry.Age(sa.CreationTimestamp)}
		},
	}
}
