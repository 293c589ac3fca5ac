package integration

import (
	"net/http"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func deployment(ns, name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "app", Image: "nginx:1.25"},
					{Name: "sidecar", Image: "busybox:1.36"},
				}},
			},
		},
	}
}

func TestPatch(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	cm := configMap(ns, "cm", map[string]string{"a": "1"})
	cm.Data = map[string]string{"x": "1", "y": "2"}
	if _, err := cms.Create(c, cm, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	for _, tc := range []struct {
		name  string
		pt    types.PatchType
		patch string
		check func(*corev1.ConfigMap) bool
	}{
		{"json add", types.JSONPatchType, `[{"op":"add","path":"/data/z","value":"3"}]`,
			func(cm *corev1.ConfigMap) bool { return cm.Data["z"] == "3" && cm.Data["x"] == "1" }},
		{"json test and replace", types.JSONPatchType, `[{"op":"test","path":"/data/x","value":"1"},{"op":"replace","path":"/data/x","value":"10"}]`,
			func(cm *corev1.ConfigMap) bool { return cm.Data["x"] == "10" }},
		{"merge removes with null", types.MergePatchType, `{"data":{"y":null},"metadata":{"labels":{"b":"2"}}}`,
			func(cm *corev1.ConfigMap) bool {
				_, hasY := cm.Data["y"]
				return !hasY && cm.Labels["a"] == "1" && cm.Labels["b"] == "2"
			}},
		{"strategic", types.StrategicMergePatchType, `{"data":{"w":"4"}}`,
			func(cm *corev1.ConfigMap) bool { return cm.Data["w"] == "4" && cm.Data["x"] == "10" }},
	} {
		got, err := cms.Patch(c, "cm", tc.pt, []byte(tc.patch), metav1.PatchOptions{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !tc.check(got) {
			t.Errorf("%s: got data %v labels %v", tc.name, got.Data, got.Labels)
		}
	}

	// A failed JSON patch test is 422 and changes nothing.
	before, _ := cms.Get(c, "cm", metav1.GetOptions{})
	_, err := cms.Patch(c, "cm", types.JSONPatchType, []byte(`[{"op":"test","path":"/data/x","value":"nope"},{"op":"remove","path":"/data/x"}]`), metav1.PatchOptions{})
	wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
	after, _ := cms.Get(c, "cm", metav1.GetOptions{})
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("failed patch changed the object: rv %s -> %s", before.ResourceVersion, after.ResourceVersion)
	}
	// Patching what does not exist is 404.
	_, err = cms.Patch(c, "absent", types.MergePatchType, []byte(`{"data":{"a":"b"}}`), metav1.PatchOptions{})
	wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
}

// A strategic merge patch merges the containers list by name, as kubectl set image relies on.
func TestStrategicPatchDeploymentImage(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	deps := shared.client.AppsV1().Deployments(ns)
	created, err := deps.Create(c, deployment(ns, "web"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}}}`
	got, err := deps.Patch(c, "web", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("strategic patch: %v", err)
	}
	cs := got.Spec.Template.Spec.Containers
	if len(cs) != 2 || cs[0].Name != "app" || cs[0].Image != "nginx:1.27" || cs[1].Name != "sidecar" || cs[1].Image != "busybox:1.36" {
		t.Errorf("containers after patch: %+v", cs)
	}
	if got.Generation != created.Generation+1 {
		t.Errorf("generation %d, want %d after a spec change", got.Generation, created.Generation+1)
	}
	// The same patch as a JSON merge patch replaces the whole list.
	got, err = deps.Patch(c, "web", types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("merge patch: %v", err)
	}
	if n := len(got.Spec.Template.Spec.Containers); n != 1 {
		t.Errorf("merge patch left %d containers, want 1", n)
	}
}

func TestServerSideApply(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	applyA := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"shared"},"data":{"owner":"a","a":"1"}}`)

	// Apply creates the object and records the manager.
	got, err := cms.Patch(c, "shared", types.ApplyPatchType, applyA, metav1.PatchOptions{FieldManager: "manager-a"})
	if err != nil {
		t.Fatalf("apply create: %v", err)
	}
	if got.Data["owner"] != "a" {
		t.Errorf("data %v", got.Data)
	}
	if len(got.ManagedFields) != 1 || got.ManagedFields[0].Manager != "manager-a" || got.ManagedFields[0].Operation != metav1.ManagedFieldsOperationApply {
		t.Fatalf("managedFields %+v, want one Apply entry of manager-a", got.ManagedFields)
	}
	if f := got.ManagedFields[0].FieldsV1.GetRawString(); !strings.Contains(f, `"f:owner"`) || !strings.Contains(f, `"f:a"`) {
		t.Errorf("fieldsV1 %s lacks f:owner and f:a", f)
	}

	// A second manager setting the same field to another value conflicts.
	applyB := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"shared"},"data":{"owner":"b"}}`)
	_, err = cms.Patch(c, "shared", types.ApplyPatchType, applyB, metav1.PatchOptions{FieldManager: "manager-b"})
	se := wantStatus(t, err, http.StatusConflict, metav1.StatusReasonConflict)
	if !strings.Contains(se.ErrStatus.Message, "manager-a") || se.ErrStatus.Details == nil || len(se.ErrStatus.Details.Causes) == 0 ||
		se.ErrStatus.Details.Causes[0].Field != ".data.owner" {
		t.Errorf("conflict %q details %+v, want manager-a owning .data.owner", se.ErrStatus.Message, se.ErrStatus.Details)
	}

	// force=true takes the field over.
	got, err = cms.Patch(c, "shared", types.ApplyPatchType, applyB, metav1.PatchOptions{FieldManager: "manager-b", Force: ptr.To(true)})
	if err != nil {
		t.Fatalf("forced apply: %v", err)
	}
	if got.Data["owner"] != "b" || got.Data["a"] != "1" {
		t.Errorf("data after forced apply %v", got.Data)
	}
	managers := map[string]string{}
	for _, mf := range got.ManagedFields {
		managers[mf.Manager] = mf.FieldsV1.GetRawString()
	}
	if !strings.Contains(managers["manager-b"], `"f:owner"`) || strings.Contains(managers["manager-a"], `"f:owner"`) {
		t.Errorf("ownership after force: %v", managers)
	}

	// An update by another client is recorded as an Update operation.
	got.Data["c"] = "3"
	got, err = cms.Update(c, got, metav1.UpdateOptions{FieldManager: "editor"})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	found := false
	for _, mf := range got.ManagedFields {
		if mf.Manager == "editor" && mf.Operation == metav1.ManagedFieldsOperationUpdate {
			found = true
		}
	}
	if !found {
		t.Errorf("no Update entry for editor in %+v", got.ManagedFields)
	}

	// Apply without a field manager is refused (422 on PatchOptions).
	_, err = cms.Patch(c, "shared", types.ApplyPatchType, applyA, metav1.PatchOptions{})
	se = wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
	if !strings.Contains(se.ErrStatus.Message, "fieldManager: Required value") {
		t.Errorf("apply without fieldManager: %q", se.ErrStatus.Message)
	}
}
