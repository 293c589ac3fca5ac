package openapi

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

func TestDeploymentReplicas(t *testing.T) {
	s := newTestService(t)
	check := func(name string, defs map[string]spec.Schema) {
		dep, ok := defs["io.k8s.api.apps.v1.Deployment"]
		if !ok {
			t.Fatalf("%s: no Deployment definition", name)
		}
		gvk, _ := dep.Extensions[extGVK].([]interface{})
		if len(gvk) != 1 || gvk[0].(map[string]interface{})["kind"] != "Deployment" {
			t.Errorf("%s: Deployment gvk extension = %v", name, dep.Extensions[extGVK])
		}
		specSchema := resolve(t, defs, dep.Properties["spec"])
		replicas := specSchema.Properties["replicas"]
		if !replicas.Type.Contains("integer") || replicas.Format != "int32" {
			t.Errorf("%s: spec.replicas type = %v %q", name, replicas.Type, replicas.Format)
		}
		if !strings.Contains(replicas.Description, "desired pods") {
			t.Errorf("%s: spec.replicas description = %q", name, replicas.Description)
		}
		if got := specSchema.Required; len(got) != 2 || got[0] != "selector" || got[1] != "template" {
			t.Errorf("%s: DeploymentSpec required = %v", name, got)
		}
		if dep.Properties["metadata"].Description == "" {
			t.Errorf("%s: metadata has no description", name)
		}
	}
	check("v2", swaggerDoc2(t, s).Definitions)
	v3 := v3Doc(t, s, "apis/apps/v1")
	defs := map[string]spec.Schema{}
	for n, d := range v3.Components.Schemas {
		defs[n] = *d
	}
	check("v3", defs)
}

func TestSpecialTypes(t *testing.T) {
	s := newTestService(t)
	v2 := swaggerDoc2(t, s).Definitions
	v3 := v3Doc(t, s, "api/v1").Components.Schemas
	const meta = "io.k8s.apimachinery.pkg.apis.meta.v1."
	for _, tc := range []struct {
		name, typ, format string
		v3OneOf           []string
		ext               string
	}{
		{"io.k8s.apimachinery.pkg.api.resource.Quantity", "string", "", []string{"string", "number"}, ""},
		{"io.k8s.apimachinery.pkg.util.intstr.IntOrString", "string", "int-or-string", []string{"integer", "string"}, extIntOrString},
		{meta + "Time", "string", "date-time", nil, ""},
		{meta + "MicroTime", "string", "date-time", nil, ""},
		{meta + "FieldsV1", "object", "", nil, ""},
		{"io.k8s.apimachinery.pkg.runtime.RawExtension", "object", "", nil, ""},
	} {
		d, ok := v2[tc.name]
		if !ok {
			t.Errorf("no v2 definition %s", tc.name)
			continue
		}
		if !d.Type.Contains(tc.typ) || len(d.Type) != 1 || d.Format != tc.format || d.Description == "" {
			t.Errorf("v2 %s = %v %q %q", tc.name, d.Type, d.Format, d.Description)
		}
		if tc.ext != "" && d.Extensions[tc.ext] != true {
			t.Errorf("v2 %s lacks %s", tc.name, tc.ext)
		}
		d3 := v3[tc.name]
		if d3 == nil {
			t.Errorf("no v3 schema %s", tc.name)
			continue
		}
		if tc.v3OneOf != nil {
			var got []string
			for _, o := range d3.OneOf {
				got = append(got, o.Type...)
			}
			if len(d3.Type) != 0 || strings.Join(got, ",") != strings.Join(tc.v3OneOf, ",") {
				t.Errorf("v3 %s = type %v oneOf %v", tc.name, d3.Type, got)
			}
		}
	}
	// Duration and apiextensions JSON appear in the CRD's document.
	crd := swaggerDoc2(t, s).Definitions
	if d := crd[meta+"Duration"]; len(d.Type) != 0 && !d.Type.Contains("string") {
		t.Errorf("Duration = %v", d.Type)
	}
	js := crd["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON"]
	if js.Extensions[extPreserve] != true || len(js.Type) != 0 {
		t.Errorf("apiextensions JSON = %v %v", js.Type, js.Extensions)
	}
	// Secret data is bytes; pod containers merge by name.
	secret := v2["io.k8s.api.core.v1.Secret"].Properties["data"]
	if secret.AdditionalProperties == nil || secret.AdditionalProperties.Schema.Format != "byte" {
		t.Errorf("Secret.data = %+v", secret)
	}
	containers := v2["io.k8s.api.core.v1.PodSpec"].Properties["containers"]
	if containers.Extensions[extListType] != "map" || containers.Extensions[extPatchMergeKey] != "name" || containers.Extensions[extPatchStrategy] != "merge" {
		t.Errorf("PodSpec.containers extensions = %v", containers.Extensions)
	}
	ports := v2["io.k8s.api.core.v1.Container"].Properties["ports"]
	if keys, _ := ports.Extensions[extListMapKeys].([]interface{}); len(keys) != 2 {
		t.Errorf("Container.ports list-map-keys = %v", ports.Extensions[extListMapKeys])
	}
	if sel := v2[meta+"LabelSelector"]; sel.Extensions[extMapType] != "atomic" {
		t.Errorf("LabelSelector map-type = %v", sel.Extensions[extMapType])
	}
}

func TestTypeConverter(t *testing.T) {
	s := newTestService(t, widgetResource())
	tc, err := managedfields.NewTypeConverter(s.Definitions(), false)
	if err != nil {
		t.Fatal(err)
	}
	widget := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "stable.example.com/v1", "kind": "Widget",
		"metadata": map[string]interface{}{"name": "w", "namespace": "default"},
		"spec": map[string]interface{}{"size": int64(3), "color": nil, "port": "http",
			"parts": []interface{}{map[string]interface{}{"name": "a"}, map[string]interface{}{"name": "b"}}},
		"status": map[string]interface{}{"anything": "goes"},
	}}
	tv, err := tc.ObjectToTyped(widget)
	if err != nil {
		t.Fatalf("Widget: %v", err)
	}
	set, err := tv.ToFieldSet()
	if err != nil {
		t.Fatal(err)
	}
	// parts is a map-list keyed by name, so its items are addressed by key.
	if !strings.Contains(set.String(), `.spec.parts[name="a"]`) {
		t.Errorf("Widget field set = %s", set)
	}
	dep := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]interface{}{"name": "d"},
		"spec": map[string]interface{}{"replicas": int64(2), "template": map[string]interface{}{"spec": map[string]interface{}{
			"containers": []interface{}{map[string]interface{}{"name": "c", "image": "nginx",
				"ports": []interface{}{map[string]interface{}{"containerPort": int64(80), "protocol": "TCP"}}}},
		}}},
	}}
	tv, err = tc.ObjectToTyped(dep)
	if err != nil {
		t.Fatalf("Deployment: %v", err)
	}
	if set, _ = tv.ToFieldSet(); !strings.Contains(set.String(), `[containerPort=80,protocol="TCP"]`) {
		t.Errorf("Deployment field set = %s", set)
	}
}
