package apiserver

import (
	"net/http/httptest"
	"reflect"
	"testing"
)

func TestParseRequestInfo(t *testing.T) {
	cases := []struct {
		method, path string
		want         requestInfo
	}{
		{"GET", "/api/v1/namespaces/ns/pods", requestInfo{IsResource: true, Verb: "list", Version: "v1", Namespace: "ns", Resource: "pods"}},
		{"GET", "/api/v1/namespaces/ns/pods?watch=true", requestInfo{IsResource: true, Verb: "watch", Version: "v1", Namespace: "ns", Resource: "pods"}},
		{"GET", "/api/v1/watch/namespaces/ns/pods", requestInfo{IsResource: true, Verb: "watch", Version: "v1", Namespace: "ns", Resource: "pods"}},
		{"GET", "/api/v1/namespaces/ns/pods/p", requestInfo{IsResource: true, Verb: "get", Version: "v1", Namespace: "ns", Resource: "pods", Name: "p"}},
		{"PUT", "/api/v1/namespaces/ns/pods/p/status", requestInfo{IsResource: true, Verb: "update", Version: "v1", Namespace: "ns", Resource: "pods", Name: "p", Subresource: "status"}},
		{"GET", "/api/v1/namespaces", requestInfo{IsResource: true, Verb: "list", Version: "v1", Resource: "namespaces"}},
		{"GET", "/api/v1/namespaces/ns", requestInfo{IsResource: true, Verb: "get", Version: "v1", Resource: "namespaces", Name: "ns"}},
		{"PUT", "/api/v1/namespaces/ns/finalize", requestInfo{IsResource: true, Verb: "update", Version: "v1", Resource: "namespaces", Name: "ns", Subresource: "finalize"}},
		{"DELETE", "/apis/apps/v1/namespaces/ns/deployments", requestInfo{IsResource: true, Verb: "deletecollection", Group: "apps", Version: "v1", Namespace: "ns", Resource: "deployments"}},
		{"PATCH", "/apis/apps/v1/namespaces/ns/deployments/d/scale", requestInfo{IsResource: true, Verb: "patch", Group: "apps", Version: "v1", Namespace: "ns", Resource: "deployments", Name: "d", Subresource: "scale"}},
		{"GET", "/apis/apps/v1", requestInfo{Group: "apps", Version: "v1"}},
		{"GET", "/healthz", requestInfo{}},
	}
	for _, c := range cases {
		got := parseRequestInfo(httptest.NewRequest(c.method, c.path, nil))
		got.Parts = nil
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s: got %+v, want %+v", c.method, c.path, got, c.want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		accept          string
		table, protobuf bool
		want            outputKind
		wantErr         bool
	}{
		{"", false, true, outputKind{mediaType: mediaJSON}, false},
		{"application/vnd.kubernetes.protobuf, */*", false, true, outputKind{mediaType: mediaProtobuf}, false},
		{"application/vnd.kubernetes.protobuf, */*", false, false, outputKind{mediaType: mediaJSON}, false},
		{"application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", true, true, outputKind{mediaType: mediaJSON, as: "Table"}, false},
		{"application/json;as=Table;v=v1;g=meta.k8s.io,application/json", false, true, outputKind{mediaType: mediaJSON}, false},
		{"application/yaml", false, true, outputKind{mediaType: mediaYAML}, false},
		{"text/html", false, true, outputKind{}, true},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/api/v1/pods", nil)
		r.Header.Set("Accept", c.accept)
		got, err := negotiate(r, c.table, c.protobuf)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("Accept %q: got %+v, %v; want %+v (error %v)", c.accept, got, err, c.want, c.wantErr)
		}
	}
}
