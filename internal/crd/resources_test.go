package crd

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
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
}

const richCRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList, shortNames: [gd], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    selectableFields: [{jsonPath: .spec.color}]
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.replicas <= 10
            properties:
              color: {type: string}
              replicas: {type: integer}
              template:
                type: object
                x-kubernetes-embedded-resource: true
                x-kubernetes-preserve-unknown-fields: true
          status:
            type: object
            properties:
              replicas: {type: integer, minimum: 0}
              selector: {type: string}
`

func TestRichResource(t *testing.T) {
	rs, err := Resources(mustCRD(t, richCRD))
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if r.Namespaced || r.Scale == nil || *r.Scale != (registry.ScalePaths{SpecReplicas: ".spec.replicas", StatusReplicas: ".status.replicas", LabelSelector: ".status.selector"}) ||
		!reflect.DeepEqual(r.ShortNames, []string{"gd"}) || !reflect.DeepEqual(r.Categories, []string{"all"}) || r.SingularName != "gadget" {
		t.Fatalf("resource %+v", r)
	}
	if r.Schema == nil || r.Schema.Properties["spec"].Properties["color"].Type[0] != "string" || r.Schema.Properties["metadata"].Type[0] != "object" {
		t.Fatalf("schema %+v", r.Schema)
	}
	if gvk, ok := r.Schema.Extensions["x-kubernetes-group-version-kind"]; !ok || gvk == nil {
		t.Fatalf("schema extensions %v", r.Schema.Extensions)
	}
	if _, ok := r.Schema.Extensions.GetStringSlice("x-kubernetes-validations"); ok {
		t.Fatal("unexpected")
	}
	base := `{apiVersion: example.com/v1, kind: Gadget, metadata: {name: g}, spec: {color: red, replicas: 2, template: {apiVersion: v1, kind: Pod, metadata: {name: p}}}}`
	tests := []struct {
		name   string
		obj    string
		status bool
		want   []string
	}{
		{name: "valid", obj: base},
		{name: "embedded resource needs kind", obj: `{apiVersion: example.com/v1, kind: Gadget, metadata: {name: g}, spec: {template: {apiVersion: v1, metadata: {name: "Bad_Name"}}}}`,
			want: []string{
				"spec.template.kind: Required value: must not be empty",
				`spec.template.metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
				`spec: Invalid value: "object": no such key: replicas evaluating rule: self.replicas <= 10`,
			}},
		{name: "scale replicas non-negative", obj: `{apiVersion: example.com/v1, kind: Gadget, metadata: {name: g}, spec: {replicas: -1}}`,
			want: []string{"spec.replicas: Invalid value: -1: should be a non-negative integer"}},
		{name: "type error blocks rules", obj: `{apiVersion: example.com/v1, kind: Gadget, metadata: {name: g}, spec: {replicas: "x"}}`,
			want: []string{
				`spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`,
				`spec.replicas: Invalid value: "x": should be an integer`,
				"<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
			}},
		{name: "rule", obj: `{apiVersion: example.com/v1, kind: Gadget, metadata: {name: g}, spec: {replicas: 11}}`,
			want: []string{`spec: Invalid value: "object": failed rule: self.replicas <= 10`}},
		{name: "status update validates status", status: true, obj: `{apiVersion: example.com/v1, kind: Gadget, metadata: {name: g}, status: {replicas: -2}}`,
			want: []string{
				"status.replicas: Invalid value: -2: status.replicas in body should be greater than or equal to 0",
				"status.replicas: Invalid value: -2: should be a non-negative integer",
			}},
		{name: "wrong kind", obj: `{apiVersion: example.com/v2, kind: Widget, metadata: {name: g}}`,
			want: []string{`apiVersion: Invalid value: "example.com/v2": must be example.com/v1`, `kind: Invalid value: "Widget": must be Gadget`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := mustObj(t, tt.obj)
			var errs []string
			validate := r.Rules.Validate
			if tt.status {
				validate = func(o runtime.Object) field.ErrorList { return r.Rules.ValidateStatusUpdate(o, o) }
			}
			for _, e := range validate(obj) {
				errs = append(errs, e.Error())
			}
			if !equalStrings(errs, tt.want) {
				t.Fatalf("got  %q\nwant %q", errs, tt.want)
			}
		})
	}
	if f := r.Rules.Fields(mustObj(t, base)); f["spec.color"] != "red" {
		t.Fatalf("fields %v", f)
	}
}
