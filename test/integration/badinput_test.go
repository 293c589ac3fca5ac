package integration

import (
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Each bad request is refused with the Status kube-apiserver sends, and
// leaves the stored objects as they were.
func TestBadInput(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	if _, err := shared.client.CoreV1().ConfigMaps(ns).Create(c, configMap(ns, "cm", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc, err := shared.client.CoreV1().Services(ns).Create(c, service(ns, "svc", ""), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cmPath := "/api/v1/namespaces/" + ns + "/configmaps"
	svcPath := "/api/v1/namespaces/" + ns + "/services"
	huge := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge"},"data":{"k":"` + strings.Repeat("x", 3<<20+1) + `"}}`
	changedIP := svc.DeepCopy()
	changedIP.Spec.ClusterIP = freeIP(t, nil)
	changedIP.Spec.ClusterIPs = []string{changedIP.Spec.ClusterIP}

	for _, tc := range []struct {
		name    string
		method  string
		path    string
		body    string
		headers map[string]string
		code    int32
		reason  metav1.StatusReason
		message string // a part of the message
	}{
		{"malformed JSON", http.MethodPost, cmPath, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"`, nil,
			400, metav1.StatusReasonBadRequest, ""},
		{"unknown field, Strict", http.MethodPost, cmPath + "?fieldValidation=Strict",
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"strict"},"colour":"red"}`, nil,
			400, metav1.StatusReasonBadRequest, `unknown field "colour"`},
		{"duplicate field, Strict", http.MethodPost, cmPath + "?fieldValidation=Strict",
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1"},"data":{"a":"2"}}`, nil,
			400, metav1.StatusReasonBadRequest, `duplicate field "data"`},
		{"bad fieldValidation", http.MethodPost, cmPath + "?fieldValidation=Loose",
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"loose"}}`, nil,
			422, metav1.StatusReasonInvalid, `CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose"`},
		{"field manager too long", http.MethodPut, cmPath + "/cm?fieldManager=" + strings.Repeat("m", 129),
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"}}`, nil,
			422, metav1.StatusReasonInvalid, `UpdateOptions.meta.k8s.io "" is invalid: fieldManager: Too long`},
		{"force on a merge patch", http.MethodPatch, cmPath + "/cm?force=true", `{"data":{"a":"b"}}`,
			map[string]string{"Content-Type": "application/merge-patch+json"},
			422, metav1.StatusReasonInvalid, `PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch`},
		{"apply without field manager", http.MethodPatch, cmPath + "/cm", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"}}`,
			map[string]string{"Content-Type": "application/apply-patch+yaml"},
			422, metav1.StatusReasonInvalid, `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`},
		{"bad propagation policy", http.MethodDelete, cmPath + "/cm?propagationPolicy=Sideways", "", nil,
			422, metav1.StatusReasonInvalid, `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways"`},
		{"body over 3 MiB", http.MethodPost, cmPath, huge, nil,
			413, metav1.StatusReasonRequestEntityTooLarge, ""},
		{"wrong apiVersion", http.MethodPost, cmPath, `{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"wrongv"}}`, nil,
			400, metav1.StatusReasonBadRequest, ""},
		{"wrong kind", http.MethodPost, cmPath, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"wrongk"}}`, nil,
			400, metav1.StatusReasonBadRequest, ""},
		{"namespace mismatch", http.MethodPost, cmPath, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"default"}}`, nil,
			400, metav1.StatusReasonBadRequest, "does not match the namespace"},
		{"name mismatch on update", http.MethodPut, cmPath + "/cm", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"}}`, nil,
			400, metav1.StatusReasonBadRequest, "does not match the name"},
		{"unsupported media type", http.MethodPost, cmPath, `apiVersion: v1`, map[string]string{"Content-Type": "text/plain"},
			415, metav1.StatusReasonUnsupportedMediaType, ""},
		{"unsupported patch type", http.MethodPatch, cmPath + "/cm", `{}`, map[string]string{"Content-Type": "application/json"},
			415, metav1.StatusReasonUnsupportedMediaType, ""},
		{"bad dryRun", http.MethodPost, cmPath + "?dryRun=Some", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"}}`, nil,
			422, metav1.StatusReasonInvalid, `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: supported values: "All"`},
		{"bad dryRun on delete", http.MethodDelete, cmPath + "/cm?dryRun=Some", "", nil,
			422, metav1.StatusReasonInvalid, `DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value`},
		{"immutable clusterIP", http.MethodPut, svcPath + "/svc", string(mustJSON(t, changedIP)), nil,
			422, metav1.StatusReasonInvalid, "spec.clusterIPs[0]: Invalid value"},
		{"bad label selector", http.MethodGet, cmPath + "?labelSelector=a%20in%20(", "", nil,
			400, metav1.StatusReasonBadRequest, ""},
		{"bad limit", http.MethodGet, cmPath + "?limit=-3", "", nil,
			400, metav1.StatusReasonBadRequest, ""},
		{"unknown resource", http.MethodGet, "/api/v1/namespaces/" + ns + "/widgets", "", nil,
			404, metav1.StatusReasonNotFound, ""},
		{"unknown group", http.MethodGet, "/apis/example.com/v1/widgets", "", nil,
			404, metav1.StatusReasonNotFound, ""},
		{"unknown subresource", http.MethodGet, cmPath + "/cm/status", "", nil,
			404, metav1.StatusReasonNotFound, ""},
		{"create on an object path", http.MethodPost, cmPath + "/cm", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm2"}}`, nil,
			405, metav1.StatusReasonMethodNotAllowed, ""},
		{"update a collection", http.MethodPut, cmPath, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"}}`, nil,
			405, metav1.StatusReasonMethodNotAllowed, ""},
		{"unserved verb", http.MethodDelete, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/x", "", nil,
			405, metav1.StatusReasonMethodNotAllowed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, ns)
			req := request{method: tc.method, path: tc.path, headers: tc.headers}
			if tc.body != "" {
				req.body = []byte(tc.body)
			}
			r := do(t, req)
			st := r.status(t)
			if r.code != int(tc.code) || st.Code != tc.code || st.Reason != tc.reason || st.Status != metav1.StatusFailure {
				t.Errorf("%s %s: %d %s %q, want %d %s", tc.method, tc.path, r.code, st.Reason, st.Message, tc.code, tc.reason)
			}
			if !strings.Contains(st.Message, tc.message) {
				t.Errorf("message %q lacks %q", st.Message, tc.message)
			}
			if after := snapshot(t, ns); after != before {
				t.Errorf("stored objects changed: %s -> %s", before, after)
			}
		})
	}
}

// snapshot sums up the configmaps and services of ns.
func snapshot(t *testing.T, ns string) string {
	t.Helper()
	c := ctx(t)
	cms, err := shared.client.CoreV1().ConfigMaps(ns).List(c, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	svcs, err := shared.client.CoreV1().Services(ns).List(c, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, cm := range cms.Items {
		b.WriteString(cm.Name + "@" + cm.ResourceVersion + " ")
	}
	for _, s := range svcs.Items {
		b.WriteString(s.Name + "@" + s.ResourceVersion + "=" + s.Spec.ClusterIP + " ")
	}
	return b.String()
}

// Unknown fields are dropped with a warning by default (Warn), as kubectl expects.
func TestUnknownFieldWarning(t *testing.T) {
	ns := newNamespace(t)
	r := do(t, request{method: http.MethodPost, path: "/api/v1/namespaces/" + ns + "/configmaps",
		body: []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warned"},"colour":"red"}`)})
	if r.code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.code, truncate(r.body))
	}
	if w := r.header.Get("Warning"); !strings.Contains(w, `unknown field \"colour\"`) && !strings.Contains(w, `unknown field "colour"`) {
		t.Errorf("Warning header %q", w)
	}
	r = do(t, request{method: http.MethodPost, path: "/api/v1/namespaces/" + ns + "/configmaps?fieldValidation=Ignore",
		body: []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ignored"},"colour":"red"}`)})
	if r.code != http.StatusCreated || r.header.Get("Warning") != "" {
		t.Errorf("Ignore: %d Warning %q", r.code, r.header.Get("Warning"))
	}
}
