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
