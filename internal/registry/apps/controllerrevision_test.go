package apps

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestControllerRevision(t *testing.T) {
	r := controllerRevisionRules()
	yes := true
	cr := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "web-7d9f", Namespace: "default", OwnerReferences: []metav1.OwnerReference{
			{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "web", UID: "u1", Controller: &yes},
		}},
		Data:     runtime.RawExtension{Raw: []byte(`{"spec":{"a":1,"b":2}}`)},
		Revision: 3,
	}
	wantErrors(t, r.Validate(cr))
	wantErrors(t, r.Validate(&appsv1.ControllerRevision{Revision: -1}),
		"data: Required value: data is mandatory",
		"revision: Invalid value: -1: must be greater than or equal to 0")

	reencoded := cr.DeepCopy()
	reencoded.Data.Raw = []byte(`{ "spec": {"b":2, "a":1} }`)
	wantErrors(t, r.ValidateUpdate(reencoded, cr))
	changed := cr.DeepCopy()
	changed.Data.Raw = []byte(`{"spec":{"a":2}}`)
	wantErrors(t, r.ValidateUpdate(changed, cr), `data: Invalid value: {"spec":{"a":2}}: field is immutable`)

	want := []interface{}{"web-7d9f", "statefulset.apps/web", int64(3), "<unknown>"}
	if got := r.Row(cr); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if got := r.Row(&appsv1.ControllerRevision{})[1]; got != "<none>" {
		t.Errorf("controller cell without owner: %q", got)
	}
}
