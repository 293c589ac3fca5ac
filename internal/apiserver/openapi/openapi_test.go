package openapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/bosun-dev/bosun/internal/registry"
)

func get(t *testing.T, h http.Handler, path, accept string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func swaggerDoc2(t *testing.T, s *Service) *spec.Swagger {
	t.Helper()
	rec := get(t, s, "/openapi/v2", "application/json")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /openapi/v2: %d %s", rec.Code, rec.Body)
	}
	sw := &spec.Swagger{}
	if err := json.Unmarshal(rec.Body.Bytes(), sw); err != nil {
		t.Fatal(err)
	}
	return sw
}

func v3Doc(t *testing.T, s *Service, gv string) *spec3.OpenAPI {
	t.Helper()
	rec := get(t, s, "/openapi/v3/"+gv, "application/json")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /openapi/v3/%s: %d %s", gv, rec.Code, rec.Body)
	}
	doc := &spec3.OpenAPI{}
	if err := json.Unmarshal(rec.Body.Bytes(), doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// resolve follows a $ref, or a single-element allOf holding one.
func resolve(t *testing.T, defs map[string]spec.Schema, s spec.Schema) spec.Schema {
	t.Helper()
	ref := s.Ref.String()
	if ref == "" && len(s.AllOf) == 1 {
		ref = s.AllOf[0].Ref.String()
	}
	if ref == "" {
		return s
	}
	d, ok := defs[refName(s.Ref)]
	if !ok && len(s.AllOf) == 1 {
		d, ok = defs[refName(s.AllOf[0].Ref)]
	}
	if !ok {
		t.Fatalf("dangling ref %s", ref)
	}
	return d
}

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

func TestPatchParameters(t *testing.T) {
	s := newTestService(t, widgetResource())
	for gv, path := range map[string]string{
		"apis/apps/v1":               "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
		"api/v1":                     "/api/v1/nodes/{name}/status",
		"apis/stable.example.com/v1": "/apis/stable.example.com/v1/namespaces/{namespace}/widgets/{name}",
	} {
		doc := v3Doc(t, s, gv)
		item := doc.Paths.Paths[path]
		if item == nil || item.Patch == nil {
			t.Fatalf("%s: no PATCH %s", gv, path)
		}
		names := map[string]bool{}
		for _, p := range item.Patch.Parameters {
			names[p.Name] = true
		}
		for _, want := range []string{"fieldValidation", "fieldManager", "dryRun", "force"} {
			if !names[want] {
				t.Errorf("%s PATCH %s lacks %s", gv, path, want)
			}
		}
		if item.Patch.RequestBody == nil || item.Patch.RequestBody.Content["application/apply-patch+yaml"] == nil {
			t.Errorf("%s PATCH %s does not take apply patches", gv, path)
		}
	}
	sw := swaggerDoc2(t, s)
	list := sw.Paths.Paths["/api/v1/namespaces/{namespace}/pods"].Get
	if list == nil || list.ID != "listCoreV1NamespacedPod" || list.Extensions["x-kubernetes-action"] != "list" {
		t.Fatalf("list pods = %+v", list)
	}
	names := map[string]bool{}
	for _, p := range list.Parameters {
		name := p.Name
		if ref := p.Ref.String(); ref != "" {
			param, ok := sw.Parameters[refName(p.Ref)]
			if !ok {
				t.Fatalf("dangling parameter ref %s", ref)
			}
			name = param.Name
		}
		names[name] = true
	}
	for _, want := range []string{"watch", "labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "resourceVersionMatch", "allowWatchBookmarks", "sendInitialEvents", "timeoutSeconds"} {
		if !names[want] {
			t.Errorf("list pods lacks %s", want)
		}
	}
	for path, id := range map[string]string{
		"/apis/apps/v1/namespaces/{namespace}/deployments/{name}":       "patchAppsV1NamespacedDeployment",
		"/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale": "patchAppsV1NamespacedDeploymentScale",
		"/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}":        "patchRbacAuthorizationV1ClusterRole",
	} {
		if op := sw.Paths.Paths[path].Patch; op == nil || op.ID != id {
			t.Errorf("PATCH %s = %v, want %s", path, op, id)
		}
	}
	del := sw.Paths.Paths["/api/v1/namespaces/{namespace}/pods"].Delete
	if del == nil || del.ID != "deleteCoreV1CollectionNamespacedPod" {
		t.Errorf("deletecollection pods = %v", del)
	}
	if sw.Paths.Paths["/api/v1/namespaces/{namespace}/pods/{name}/eviction"].Post == nil {
		t.Errorf("no eviction")
	}
	scale := sw.Paths.Paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"].Get
	if gvk, _ := scale.Extensions[extGVK].(map[string]interface{}); gvk["kind"] != "Scale" || gvk["group"] != "autoscaling" {
		t.Errorf("scale gvk = %v", scale.Extensions[extGVK])
	}
	if sw.Paths.Paths["/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"].Post == nil ||
		sw.Paths.Paths["/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/{name}"].Get != nil {
		t.Errorf("create-only resource has the wrong operations")
	}
}

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

func TestV3Root(t *testing.T) {
	s := newTestService(t, widgetResource())
	rec := get(t, s, "/openapi/v3", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("root: %d", rec.Code)
	}
	var root handler3.OpenAPIV3Discovery
	if err := json.Unmarshal(rec.Body.Bytes(), &root); err != nil {
		t.Fatal(err)
	}
	for _, gv := range []string{"api/v1", "apis/apps/v1", "apis/stable.example.com/v1", "apis/rbac.authorization.k8s.io/v1"} {
		p, ok := root.Paths[gv]
		if !ok || !strings.HasPrefix(p.ServerRelativeURL, "/openapi/v3/"+gv+"?hash=") {
			t.Errorf("root entry %s = %+v", gv, p)
		}
	}
	url := root.Paths["apis/apps/v1"].ServerRelativeURL
	rec = get(t, s, url, "application/json")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: %d, Cache-Control %q", url, rec.Code, rec.Header().Get("Cache-Control"))
	}
	if rec := get(t, s, "/openapi/v3/apis/apps/v1?hash=stale", "application/json"); rec.Code != http.StatusMovedPermanently {
		t.Errorf("stale hash: %d", rec.Code)
	}
	if rec := get(t, s, "/openapi/v3/apis/nope/v1", "application/json"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown group-version: %d", rec.Code)
	}
	if rec := get(t, s, "/openapi/v3/apis/apps/v1", "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"); rec.Code != http.StatusOK || rec.Body.Len() == 0 {
		t.Errorf("v3 protobuf: %d", rec.Code)
	}

	// A CRD change moves only its own hash.
	w := widgetResource()
	w.Schema.Properties["spec"].Properties["size"] = spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"number"}}}
	s.SetResources(append(s.resourcesForTest(), w))
	var root2 handler3.OpenAPIV3Discovery
	if err := json.Unmarshal(get(t, s, "/openapi/v3", "").Body.Bytes(), &root2); err != nil {
		t.Fatal(err)
	}
	if root2.Paths["apis/apps/v1"] != root.Paths["apis/apps/v1"] {
		t.Error("apps/v1 hash changed with a CRD")
	}
	if root2.Paths["apis/stable.example.com/v1"] == root.Paths["apis/stable.example.com/v1"] {
		t.Error("CRD hash did not change")
	}
}

// resourcesForTest returns the built-in resources the service holds.
func (s *Service) resourcesForTest() []*registry.Resource {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*registry.Resource
	for _, gv := range sortedGVs(s.gvs) {
		for _, r := range s.gvs[gv].resources {
			if r.Schema == nil {
				out = append(out, r)
			}
		}
	}
	return out
}

func TestV2Protobuf(t *testing.T) {
	s := newTestService(t, widgetResource())
	rec := get(t, s, "/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
	if rec.Code != http.StatusOK {
		t.Fatalf("protobuf: %d %s", rec.Code, rec.Body)
	}
	doc := &openapi_v2.Document{}
	if err := proto.Unmarshal(rec.Body.Bytes(), doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range doc.Definitions.AdditionalProperties {
		if d.Name == "com.example.stable.v1.Widget" {
			found = true
		}
	}
	if !found {
		t.Error("protobuf document lacks the CRD")
	}
	etag := rec.Header().Get("Etag")
	req := httptest.NewRequest(http.MethodGet, "/openapi/v2", nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", rec.Code)
	}
	if rec := get(t, s, "/openapi/v2", "text/html"); rec.Code != http.StatusNotAcceptable {
		t.Errorf("text/html: %d", rec.Code)
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

func TestGenerationIsFast(t *testing.T) {
	s := New(testScheme)
	rs := builtinResources(t)
	start := time.Now()
	s.SetResources(rs)
	swaggerDoc2(t, s)
	for _, gv := range []string{"api/v1", "apis/apps/v1", "apis/batch/v1"} {
		v3Doc(t, s, gv)
	}
	t.Logf("first generation: %v", time.Since(start))

	// A custom resource change regenerates only its group-version. The best
	// of a few runs is taken so a loaded machine does not fail the test.
	best := time.Hour
	for i := 0; i < 5; i++ {
		start = time.Now()
		s.SetResources(append(rs[:len(rs):len(rs)], widgetResource()))
		v3Doc(t, s, "apis/stable.example.com/v1")
		best = min(best, time.Since(start))
	}
	if best > 100*time.Millisecond && !raceEnabled {
		t.Errorf("CRD change took %v", best)
	}
	t.Logf("CRD change: %v", best)
}

// TestConcurrentUse serves documents while custom resources come and go.
func TestConcurrentUse(t *testing.T) {
	s := newTestService(t)
	builtins := s.resourcesForTest()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20; i++ {
			if i%2 == 0 {
				s.SetResources(append(builtins[:len(builtins):len(builtins)], widgetResource()))
			} else {
				s.SetResources(builtins)
			}
		}
	}()
	for i := 0; i < 5; i++ {
		for _, p := range []string{"/openapi/v3", "/openapi/v3/apis/stable.example.com/v1", "/openapi/v3/apis/batch/v1"} {
			if rec := get(t, s, p, ""); rec.Code != http.StatusOK && rec.Code != http.StatusNotFound {
				t.Errorf("GET %s: %d", p, rec.Code)
			}
		}
		_ = s.Definitions()
	}
	<-done
	if rec := get(t, s, "/openapi/v2", ""); rec.Code != http.StatusOK {
		t.Errorf("GET /openapi/v2: %d", rec.Code)
	}
}
