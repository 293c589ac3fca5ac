package openapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/internal/registry"
)

// discoveryServer serves legacy discovery for rs and the OpenAPI documents
// of s: enough of an API server for kubectl explain.
func discoveryServer(t *testing.T, s *Service, rs []*registry.Resource) *httptest.Server {
	lists := map[string]*metav1.APIResourceList{}
	groups := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	seen := map[string]int{}
	for _, r := range rs {
		gv := r.GVR.GroupVersion()
		l := lists["/"+gvPath(gv)]
		if l == nil {
			l = &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv.String()}
			lists["/"+gvPath(gv)] = l
			if gv.Group != "" {
				gvd := metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version}
				i, ok := seen[gv.Group]
				if !ok {
					i = len(groups.Groups)
					seen[gv.Group] = i
					groups.Groups = append(groups.Groups, metav1.APIGroup{Name: gv.Group, PreferredVersion: gvd})
				}
				groups.Groups[i].Versions = append(groups.Groups[i].Versions, gvd)
			}
		}
		l.APIResources = append(l.APIResources, metav1.APIResource{Name: r.GVR.Resource, SingularName: r.SingularName,
			Namespaced: r.Namespaced, Kind: r.Kind, Verbs: r.ServedVerbs()})
	}
	mux := http.NewServeMux()
	mux.Handle("/openapi/", s)
	serve := func(path string, v interface{}) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(v)
		})
	}
	serve("/api", &metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"}})
	serve("/apis", groups)
	for p, l := range lists {
		serve(p, l)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestKubectlExplain runs the real kubectl against the documents.
func TestKubectlExplain(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl not on PATH (make deps-test installs it): %v", err)
	}
	rs := append(builtinResources(t), widgetResource())
	s := New(testScheme)
	s.SetResources(rs)
	srv := discoveryServer(t, s, rs)
	cache := t.TempDir()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"explain", "deployment.spec.replicas"}, []string{"FIELD: replicas <integer>", "desired pods"}},
		{[]string{"explain", "deployment.spec"}, []string{"replicas\t<integer>", "template\t<PodTemplateSpec> -required-"}},
		{[]string{"explain", "pods"}, []string{"KIND:       Pod", "VERSION:    v1", "spec\t<PodSpec>"}},
		{[]string{"explain", "pods.spec.containers.resources.limits"}, []string{"map[string]Quantity"}},
		{[]string{"explain", "widgets"}, []string{"GROUP:      stable.example.com", "KIND:       Widget", "Widget is a test custom resource.", "metadata\t<ObjectMeta>"}},
		{[]string{"explain", "widgets.spec.size"}, []string{"FIELD: size <integer>", "Size of the widget."}},
		{[]string{"explain", "deployments", "--output=plaintext-openapiv2"}, []string{"KIND:     Deployment", "spec\t<Object>"}},
		{[]string{"explain", "widgets.spec", "--output=plaintext-openapiv2"}, []string{"size\t<integer>"}},
	} {
		args := append([]string{"--server", srv.URL, "--cache-dir", cache}, tc.args...)
		var out, stderr bytes.Buffer
		cmd := exec.Command(kubectl, args...)
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("kubectl %s: %v\n%s", strings.Join(tc.args, " "), err, stderr.String())
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("kubectl %s: output lacks %q:\n%s", strings.Join(tc.args, " "), w, out.String())
			}
		}
	}
}
