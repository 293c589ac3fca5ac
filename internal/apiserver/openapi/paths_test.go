package openapi

import (
	"testing"
)

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
