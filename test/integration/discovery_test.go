package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

func TestDiscoveryResources(t *testing.T) {
	// client-go asks for aggregated discovery (apidiscovery.k8s.io/v2) first.
	groups, lists, err := shared.discovery.ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("ServerGroupsAndResources: %v", err)
	}
	if len(groups) == 0 {
		t.Fatal("no API groups")
	}
	served := map[schema.GroupVersionResource][]string{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			t.Fatalf("group version %q: %v", l.GroupVersion, err)
		}
		for _, r := range l.APIResources {
			served[gv.WithResource(r.Name)] = r.Verbs
		}
	}
	for _, tc := range []struct {
		gvr   schema.GroupVersionResource
		verbs []string
	}{
		{schema.GroupVersionResource{Version: "v1", Resource: "pods"}, []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}},
		{schema.GroupVersionResource{Version: "v1", Resource: "pods/status"}, []string{"get", "patch", "update"}},
		{schema.GroupVersionResource{Version: "v1", Resource: "pods/binding"}, []string{"create"}},
		{schema.GroupVersionResource{Version: "v1", Resource: "pods/eviction"}, []string{"create"}},
		{schema.GroupVersionResource{Version: "v1", Resource: "namespaces/finalize"}, []string{"update"}},
		{schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts/token"}, []string{"create"}},
		{schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, nil},
		{schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments/scale"}, []string{"get", "patch", "update"}},
		{schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}, nil},
		{schema.GroupVersionResource{Group: "authorization.k8s.io", Version: "v1", Resource: "selfsubjectaccessreviews"}, []string{"create"}},
	} {
		verbs, ok := served[tc.gvr]
		if !ok {
			t.Errorf("discovery does not list %s", tc.gvr)
			continue
		}
		for _, v := range tc.verbs {
			if !contains(verbs, v) {
				t.Errorf("%s verbs %v lack %q", tc.gvr, verbs, v)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestDiscoveryAggregated(t *testing.T) {
	for _, path := range []string{"/api", "/apis"} {
		r := do(t, request{method: http.MethodGet, path: path, headers: map[string]string{
			"Accept": discovery.AcceptV2 + ",application/json",
		}})
		if r.code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.code, truncate(r.body))
		}
		if ct := r.header.Get("Content-Type"); !strings.Contains(ct, "as=APIGroupDiscoveryList") {
			t.Errorf("GET %s Content-Type %q, want aggregated discovery", path, ct)
		}
		var list apidiscoveryv2.APIGroupDiscoveryList
		if err := json.Unmarshal(r.body, &list); err != nil {
			t.Fatalf("decode %s: %v", path, err)
		}
		if list.Kind != "APIGroupDiscoveryList" || len(list.Items) == 0 {
			t.Errorf("GET %s: kind %q with %d groups", path, list.Kind, len(list.Items))
		}
		if etag := r.header.Get("ETag"); etag != "" {
			again := do(t, request{method: http.MethodGet, path: path, headers: map[string]string{
				"Accept": discovery.AcceptV2, "If-None-Match": etag,
			}})
			if again.code != http.StatusNotModified {
				t.Errorf("GET %s If-None-Match: %d, want 304", path, again.code)
			}
		}
	}
}

func TestVersionAndHealth(t *testing.T) {
	v, err := shared.discovery.ServerVersion()
	if err != nil {
		t.Fatalf("ServerVersion: %v", err)
	}
	if v.Major != "1" || v.Minor == "" || !strings.HasPrefix(v.GitVersion, "v1.") {
		t.Errorf("version %+v, want a Kubernetes 1.x version", v)
	}
	for _, path := range []string{"/healthz", "/livez", "/readyz", "/readyz?verbose"} {
		r := do(t, request{method: http.MethodGet, path: path})
		if r.code != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, r.code, truncate(r.body))
		}
	}
	r := do(t, request{method: http.MethodGet, path: "/metrics"})
	if r.code != http.StatusOK || !strings.Contains(string(r.body), "apiserver_request_total{") {
		t.Errorf("GET /metrics: %d, apiserver_request_total missing", r.code)
	}
}
