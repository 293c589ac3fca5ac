package crd

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestWidgetEndToEnd(t *testing.T) {
	crd := mustCRD(t, widgetCRD)
	rs, err := Resources(crd)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("got %d resources", len(rs))
	}
	r := rs[0]
	if r.GVR != (schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}) || r.Kind != "Widget" || r.ListKind != "WidgetList" || !r.Namespaced || !r.Status || r.StoragePrefix != "example.com/widgets" {
		t.Fatalf("resource: %+v", r)
	}
	obj := mustObj(t, `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: default}
spec: {size: 3, color: red}
`)
	removed := r.Rules.Prune(obj)
	if !reflect.DeepEqual(removed, []string{"spec.color"}) {
		t.Fatalf("pruned %v", removed)
	}
	if errs := r.Rules.Validate(obj); len(errs) != 0 {
		t.Fatalf("unexpected errors %v", errs)
	}
	var names []string
	for _, c := range r.Rules.Columns {
		names = append(names, c.Name)
	}
	if !reflect.DeepEqual(names, []string{"Name", "Size"}) {
		t.Fatalf("columns %v", names)
	}
	if row := r.Rules.Row(obj); !reflect.DeepEqual(row, []interface{}{"w1", int64(3)}) {
		t.Fatalf("row %#v", row)
	}
	bad := obj.DeepCopy()
	_ = unstructured.SetNestedField(bad.Object, int64(0), "spec", "size")
	errs := r.Rules.Validate(bad)
	if len(errs) != 1 || errs[0].Error() != "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1" {
		t.Fatalf("errors %v", errs)
	}
	_ = time.Now
	_ = strings.Contains
}
