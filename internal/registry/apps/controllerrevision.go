package apps

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

func controllerRevisionRules() registry.Rules {
	return registry.Rules{
		Validate: func(obj runtime.Object) field.ErrorList {
			return validateControllerRevision(obj.(*appsv1.ControllerRevision))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, o := obj.(*appsv1.ControllerRevision), old.(*appsv1.ControllerRevision)
			errs := validateControllerRevision(n)
			// A revision is a snapshot controllers roll back to; rewriting it
			// would silently change what a rollback restores.
			if !sameJSON(n.Data, o.Data) {
				errs = append(errs, field.Invalid(field.NewPath("data"), n.Data, apivalidation.FieldImmutableErrorMsg))
			}
			return errs
		},
		Columns: controllerRevisionColumns,
		Row:     func(obj runtime.Object) []interface{} { return controllerRevisionRow(obj.(*appsv1.ControllerRevision)) },
	}
}

func validateControllerRevision(cr *appsv1.ControllerRevision) field.ErrorList {
	var errs field.ErrorList
	if cr.Data.Raw == nil && cr.Data.Object == nil {
		errs = append(errs, field.Required(field.NewPath("data"), "data is mandatory"))
	}
	return append(errs, apivalidation.ValidateNonnegativeField(cr.Revision, field.NewPath("revision"))...)
}

// sameJSON compares two raw extensions by meaning, not bytes: a client may
// send the stored data back re-encoded with other spacing or key order.
func sameJSON(a, b runtime.RawExtension) bool {
	ab, aerr := rawBytes(a)
	bb, berr := rawBytes(b)
	if aerr != nil || berr != nil {
		return false
	}
	if bytes.Equal(ab, bb) {
		return true
	}
	var av, bv interface{}
	if json.Unmarshal(ab, &av) != nil || json.Unmarshal(bb, &bv) != nil {
		return false
	}
	return reflect.DeepEqual(av, bv)
}

func rawBytes(r runtime.RawExtension) ([]byte, error) {
	if r.Raw != nil || r.Object == nil {
		return r.Raw, nil
	}
	return json.Marshal(r.Object)
}

var controllerRevisionColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Controller", Type: "string", Description: "Controller of the object"},
	{Name: "Revision", Type: "string", Description: appsv1.ControllerRevision{}.SwaggerDoc()["revision"]},
	ageColumn,
}

func controllerRevisionRow(cr *appsv1.ControllerRevision) []interface{} {
	controller := "<none>"
	if ref := metav1.GetControllerOf(cr); ref != nil {
		controller = ref.Name
		if gv, err := schema.ParseGroupVersion(ref.APIVersion); err == nil {
			if gk := gv.WithKind(ref.Kind).GroupKind(); !gk.Empty() {
				controller = strings.ToLower(gk.String()) + "/" + ref.Name
			}
		}
	}
	return []interface{}{cr.Name, controller, cr.Revision, registry.Age(cr.CreationTimestamp)}
}
