package openapi

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/openapi3"
	"k8s.io/client-go/rest"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/util/proto"
)

// supportsFieldValidation is kubectl's QueryParamVerifierV3 check: some
// PATCH operation of the kind lists fieldValidation among its parameters.
func supportsFieldValidation(doc *spec3.OpenAPI, gvk schema.GroupVersionKind) bool {
	for _, path := range doc.Paths.Paths {
		op := path.Patch
		if op == nil {
			continue
		}
		var got map[string]string
		if err := op.Extensions.GetObject(extGVK, &got); err != nil {
			continue
		}
		if got["group"] != gvk.Group || got["version"] != gvk.Version || got["kind"] != gvk.Kind {
			continue
		}
		for _, p := range op.Parameters {
			if p.Name == "fieldValidation" {
				return true
			}
		}
		return false
	}
	return false
}

// TestClientGo reads the documents the way client-go and kubectl do.
func TestClientGo(t *testing.T) {
	rs := append(builtinResources(t), widgetResource())
	s := New(testScheme)
	s.SetResources(rs)
	srv := discoveryServer(t, s, rs)
	dc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}

	root := openapi3.NewRoot(dc.OpenAPIV3())
	gvs, err := root.GroupVersions()
	if err != nil {
		t.Fatal(err)
	}
	if len(gvs) < 15 {
		t.Errorf("root lists %d group-versions: %v", len(gvs), gvs)
	}
	for _, gvk := range []schema.GroupVersionKind{
		{Group: "apps", Version: "v1", Kind: "Deployment"},
		{Version: "v1", Kind: "Pod"},
		{Version: "v1", Kind: "Namespace"},
		{Group: "stable.example.com", Version: "v1", Kind: "Widget"},
		{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"},
	} {
		doc, err := root.GVSpec(gvk.GroupVersion())
		if err != nil {
			t.Fatalf("GVSpec %s: %v", gvk.GroupVersion(), err)
		}
		if !supportsFieldValidation(doc, gvk) {
			t.Errorf("%s: kubectl would not use server-side field validation", gvk)
		}
	}
	if _, err := root.GVSpec(schema.GroupVersion{Group: "nope", Version: "v1"}); err == nil {
		t.Error("GVSpec of an unknown group-version succeeded")
	}

	// client-go's discovery fetches /openapi/v2 as protobuf; kubectl's
	// validation and older explain build proto models from it.
	v2, err := dc.OpenAPISchema()
	if err != nil {
		t.Fatal(err)
	}
	models, err := proto.NewOpenAPIData(v2)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"io.k8s.api.apps.v1.Deployment", "com.example.stable.v1.Widget", "io.k8s.api.core.v1.Pod"} {
		if models.LookupModel(name) == nil {
			t.Errorf("proto models lack %s", name)
		}
	}
}
