package openapi

import (
	"k8s.io/apimachinery/pkg/util/managedfields"
	"strings"
	"testing"
)

func TestCustomResource(t *testing.T) {
	s := newTestService(t, widgetResource())
	v2 := swaggerDoc2(t, s)
	w, ok := v2.Definitions["com.example.stable.v1.Widget"]
	if !ok {
		t.Fatal("no v2 Widget definition")
	}
	if refName(w.Properties["metadata"].Ref) != "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" {
		t.Errorf("Widget metadata = %+v", w.Properties["metadata"])
	}
	spec2 := w.Properties["spec"]
	if c := spec2.Properties["color"]; len(c.Type) != 0 || c.Nullable {
		t.Errorf("v2 nullable color = %v", c.Type)
	}
	if p := spec2.Properties["port"]; len(p.AnyOf) != 0 {
		t.Errorf("v2 port keeps anyOf")
	}
	if _, ok := v2.Definitions["com.example.stable.v1.WidgetList"]; !ok {
		t.Error("no v2 WidgetList")
	}
	if v2.Paths.Paths["/apis/stable.example.com/v1/namespaces/{namespace}/widgets"].Get.ID != "listStableExampleComV1NamespacedWidget" {
		t.Error("wrong list operation id")
	}

	v3 := v3Doc(t, s, "apis/stable.example.com/v1")
	w3 := v3.Components.Schemas["com.example.stable.v1.Widget"]
	if w3 == nil {
		t.Fatal("no v3 Widget")
	}
	if !w3.Properties["spec"].Properties["color"].Nullable {
		t.Error("v3 lost nullable")
	}
	if len(w3.Properties["metadata"].AllOf) != 1 || !strings.HasPrefix(w3.Properties["metadata"].AllOf[0].Ref.String(), "#/components/schemas/") {
		t.Errorf("v3 metadata = %+v", w3.Properties["metadata"])
	}
	gvk, _ := w3.Extensions[extGVK].([]interface{})
	if len(gvk) != 1 || gvk[0].(map[string]interface{})["group"] != "stable.example.com" {
		t.Errorf("v3 gvk = %v", w3.Extensions[extGVK])
	}
	if v3.Components.Schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"] == nil {
		t.Error("v3 CRD document lacks ObjectMeta")
	}
	if v3.Components.Schemas["io.k8s.api.apps.v1.Deployment"] != nil {
		t.Error("v3 CRD document holds unrelated definitions")
	}
	if s.Definitions()["com.example.stable.v1.Widget"].Properties["spec"].Properties["color"].Nullable != true {
		t.Error("Definitions lost the full CRD schema")
	}
}

// TestSchemalessCustomResource covers a version served without a schema.
func TestSchemalessCustomResource(t *testing.T) {
	w := widgetResource()
	w.Schema = nil
	s := newTestService(t, w)
	d, ok := s.Definitions()["com.example.stable.v1.Widget"]
	if !ok || d.Extensions[extPreserve] != true || refName(d.Properties["metadata"].Ref) == "" {
		t.Fatalf("schemaless Widget = %+v", d)
	}
	doc := v3Doc(t, s, "apis/stable.example.com/v1")
	if doc.Paths.Paths["/apis/stable.example.com/v1/namespaces/{namespace}/widgets/{name}"].Patch == nil {
		t.Error("no PATCH for a schemaless custom resource")
	}
	if _, err := managedfields.NewTypeConverter(s.Definitions(), false); err != nil {
		t.Error(err)
	}
}
