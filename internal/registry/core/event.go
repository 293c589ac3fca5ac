package core

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
	"github.com/bosun-dev/bosun/internal/registry/events"
)

// eventRules are the events package's, in their lenient core/v1 mode: one
// Event kind is served by both APIs, so both check and print it one way.
func eventRules() registry.Rules {
	return registry.Rules{
		Validate: func(obj runtime.Object) field.ErrorList { return events.Validate(obj.(*corev1.Event), true) },
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return events.ValidateUpdate(obj.(*corev1.Event), old.(*corev1.Event), true)
		},
		Columns: events.Columns,
		Row:     func(obj runtime.Object) []interface{} { return events.Row(obj.(*corev1.Event)) },
		Fields:  func(obj runtime.Object) fields.Set { return events.Fields(obj.(*corev1.Event)) },
	}
}
