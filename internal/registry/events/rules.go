package events

import (
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	return registry.RulesSet{
		eventsv1.SchemeGroupVersion.WithKind("Event"): {
			Validate: func(obj runtime.Object) field.ErrorList { return Validate(toCore(obj), false) },
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return ValidateUpdate(toCore(obj), toCore(old), false)
			},
			Columns: Columns,
			Row:     func(obj runtime.Object) []interface{} { return Row(toCore(obj)) },
			Fields:  func(obj runtime.Object) fields.Set { return eventsFields(toCore(obj)) },
		},
	}
}

// toCore is ToCore for rules, which are only handed events of either API.
func toCore(obj runtime.Object) *corev1.Event {
	out, err := ToCore(obj)
	if err != nil {
		panic(err)
	}
	return out.(*corev1.Event)
}

// eventsFields adds the events.k8s.io names of the core selectable fields,
// so "regarding.name=web" works as "involvedObject.name=web" does, as
// Kubernetes' field label conversion for events.k8s.io/v1 allows.
func eventsFields(ev *corev1.Event) fields.Set {
	set := Fields(ev)
	for _, f := range []string{"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"} {
		set["regarding."+f] = set["involvedObject."+f]
	}
	set["reportingController"] = ev.ReportingController
	return set
}
