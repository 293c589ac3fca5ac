package crd

import (
	"testing"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/bosun-dev/bosun/internal/registry"
)

func TestNameConflict(t *testing.T) {
	widget := func(mut func(n *apiextv1.CustomResourceDefinitionNames)) *apiextv1.CustomResourceDefinition {
		c := &apiextv1.CustomResourceDefinition{}
		c.Name = "widgets.example.com"
		c.Spec.Group = "example.com"
		c.Spec.Names = apiextv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList", ShortNames: []string{"wd"}}
		if mut != nil {
			mut(&c.Spec.Names)
		}
		return c
	}
	other := func(group string, n apiextv1.CustomResourceDefinitionNames) *apiextv1.CustomResourceDefinition {
		c := &apiextv1.CustomResourceDefinition{}
		c.Name = n.Plural + "." + group
		c.Spec.Group = group
		c.Status.AcceptedNames = n
		return c
	}
	gizmo := apiextv1.CustomResourceDefinitionNames{Plural: "gizmos", Singular: "gizmo", Kind: "Gizmo", ListKind: "GizmoList"}
	tests := []struct {
		name     string
		crd      *apiextv1.CustomResourceDefinition
		others   []*apiextv1.CustomResourceDefinition
		builtins []*registry.Resource
		want     string
	}{
		{name: "free", crd: widget(nil), others: []*apiextv1.CustomResourceDefinition{other("example.com", gizmo)}},
		{name: "other group does not matter", crd: widget(func(n *apiextv1.CustomResourceDefinitionNames) { n.Kind = "Gizmo" }),
			others: []*apiextv1.CustomResourceDefinition{other("other.com", gizmo)}},
		{name: "kind taken", crd: widget(func(n *apiextv1.CustomResourceDefinitionNames) { n.Kind = "Gizmo" }),
			others: []*apiextv1.CustomResourceDefinition{other("example.com", gizmo)}, want: `"Gizmo" is already in use`},
		{name: "singular taken", crd: widget(func(n *apiextv1.CustomResourceDefinitionNames) { n.Singular = "gizmo" }),
			others: []*apiextv1.CustomResourceDefinition{other("example.com", gizmo)}, want: `"gizmo" is already in use`},
		{name: "short name taken", crd: widget(nil),
			others: []*apiextv1.CustomResourceDefinition{other("example.com", apiextv1.CustomResourceDefinitionNames{Plural: "gizmos", Kind: "Gizmo", ShortNames: []string{"wd"}})},
			want:   `"wd" is already in use`},
		{name: "itself is not a conflict", crd: widget(nil), others: []*apiextv1.CustomResourceDefinition{other("example.com", widget(nil).Spec.Names)}},
		{name: "built-in plural", crd: widget(nil),
			builtins: []*registry.Resource{{GVR: schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}, Kind: "Thing"}},
			want:     `"widgets" is already in use`},
		{name: "served custom resources are not built-ins", crd: widget(nil),
			builtins: []*registry.Resource{{GVR: schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}, Kind: "Widget", Schema: &spec.Schema{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nameConflict(tt.crd, tt.others, tt.builtins); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
