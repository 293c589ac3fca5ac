package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/metadata"
)

var configMapsGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

// The dynamic client speaks JSON to built-in resources too.
func TestDynamicClientBuiltin(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.dynamic.Resource(configMapsGVR).Namespace(ns)
	w, err := cms.Watch(c, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "dyn"},
		"data":     map[string]any{"k": "v"},
	}}
	created, err := cms.Create(c, obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.GetNamespace() != ns || created.GetUID() == "" {
		t.Errorf("created %s/%s uid %q", created.GetNamespace(), created.GetName(), created.GetUID())
	}
	_ = unstructured.SetNestedField(created.Object, "v2", "data", "k")
	updated, err := cms.Update(c, created, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	patched, err := cms.Patch(c, "dyn", types.MergePatchType, []byte(`{"data":{"p":"1"}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("patch: %v", err)
	}
	if v, _, _ := unstructured.NestedString(patched.Object, "data", "k"); v != "v2" {
		t.Errorf("data.k %q after patch", v)
	}
	applied, err := cms.Apply(c, "dyn", &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "dyn"}, "data": map[string]any{"a": "1"},
	}}, metav1.ApplyOptions{FieldManager: "dyn-apply"})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if v, _, _ := unstructured.NestedString(applied.Object, "data", "a"); v != "1" {
		t.Errorf("data.a %q after apply", v)
	}
	list, err := cms.List(c, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.GetKind() != "ConfigMapList" {
		t.Fatalf("list: %v %+v", err, list)
	}
	if err := cms.Delete(c, "dyn", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: ptrTo(created.GetUID())}}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	var types []watch.EventType
	for len(types) < 5 {
		select {
		case ev := <-w.ResultChan():
			if _, ok := ev.Object.(*unstructured.Unstructured); !ok {
				t.Fatalf("watch event %s carries %T", ev.Type, ev.Object)
			}
			types = append(types, ev.Type)
		case <-time.After(10 * time.Second):
			t.Fatalf("watch events so far %v", types)
		}
	}
	want := []watch.EventType{watch.Added, watch.Modified, watch.Modified, watch.Modified, watch.Deleted}
	for i := range want {
		if types[i] != want[i] {
			t.Errorf("watch events %v, want %v", types, want)
			break
		}
	}
	if updated.GetResourceVersion() == created.GetResourceVersion() {
		t.Error("update did not change resourceVersion")
	}
}

// The metadata client (garbage collector, quota, kubectl) gets PartialObjectMetadata.
func TestMetadataClient(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	for _, n := range []string{"a", "b"} {
		if _, err := shared.client.CoreV1().ConfigMaps(ns).Create(c, configMap(ns, n, map[string]string{"n": n}), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	mc := metadata.NewForConfigOrDie(shared.config).Resource(configMapsGVR).Namespace(ns)
	one, err := mc.Get(c, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	// client-go's decoder drops kind, so the type tells what came.
	if one.Name != "a" || one.Labels["n"] != "a" || one.UID == "" {
		t.Errorf("get: %+v", one)
	}
	list, err := mc.List(c, metav1.ListOptions{LabelSelector: "n=b"})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "b" || list.ResourceVersion == "" {
		t.Errorf("list: %d items, rv %q", len(list.Items), list.ResourceVersion)
	}
	w, err := mc.Watch(c, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	if err := mc.Delete(c, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	ev := next(t, w, 10*time.Second)
	if m, ok := ev.Object.(*metav1.PartialObjectMetadata); ev.Type != watch.Deleted || !ok || m.Name != "a" {
		t.Errorf("watch: %s %T", ev.Type, ev.Object)
	}
}

// Typed server-side apply with client-go apply configurations.
func TestTypedApply(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	ac := corev1ac.ConfigMap("applied", ns).WithLabels(map[string]string{"l": "1"}).WithData(map[string]string{"a": "1", "b": "2"})
	got, err := cms.Apply(c, ac, metav1.ApplyOptions{FieldManager: "typed"})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if got.Data["a"] != "1" || got.Labels["l"] != "1" {
		t.Errorf("applied %v %v", got.Data, got.Labels)
	}
	// Applying less removes what the manager no longer owns.
	got, err = cms.Apply(c, corev1ac.ConfigMap("applied", ns).WithData(map[string]string{"a": "1"}), metav1.ApplyOptions{FieldManager: "typed"})
	if err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if _, ok := got.Data["b"]; ok || got.Labels["l"] != "" {
		t.Errorf("fields the manager dropped remain: %v %v", got.Data, got.Labels)
	}
	// Extracting gives back what the manager owns.
	ex, err := corev1ac.ExtractConfigMap(got, "typed")
	if err != nil || ex.Data["a"] != "1" || len(ex.Data) != 1 {
		t.Errorf("extract: %+v %v", ex, err)
	}
}

// kubectl get -w asks for a watch of Tables: the first event has the
// columns, later ones only rows.
func TestTableWatch(t *testing.T) {
	t.Parallel()
	c := ctx(t)
	ns := newNamespace(t)
	for _, n := range []string{"one", "two"} {
		if _, err := shared.client.CoreV1().ConfigMaps(ns).Create(c, configMap(ns, n, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r := do(t, request{method: http.MethodGet, path: "/api/v1/namespaces/" + ns + "/configmaps?watch=1&resourceVersion=0&timeoutSeconds=1",
		headers: map[string]string{"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}})
	if r.code != http.StatusOK {
		t.Fatalf("watch: %d %s", r.code, truncate(r.body))
	}
	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	var tables []metav1.Table
	for dec.More() {
		var ev metav1.WatchEvent
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("decode event: %v", err)
		}
		var table metav1.Table
		if err := json.Unmarshal(ev.Object.Raw, &table); err != nil || table.Kind != "Table" || ev.Type != "ADDED" {
			t.Fatalf("event %s %s", ev.Type, ev.Object.Raw)
		}
		tables = append(tables, table)
	}
	if len(tables) != 2 {
		t.Fatalf("%d events, want 2", len(tables))
	}
	if len(tables[0].ColumnDefinitions) == 0 || len(tables[1].ColumnDefinitions) != 0 {
		t.Errorf("column definitions: first %d, second %d; want them only in the first", len(tables[0].ColumnDefinitions), len(tables[1].ColumnDefinitions))
	}
	if tables[0].Rows[0].Cells[0] != "one" || tables[1].Rows[0].Cells[0] != "two" {
		t.Errorf("rows %v %v", tables[0].Rows, tables[1].Rows)
	}
}

// Deleting a namespace removes what it holds, then the namespace.
func TestNamespaceDeletionEmptiesIt(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	if _, err := shared.client.CoreV1().ConfigMaps(ns).Create(c, configMap(ns, "cm", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := shared.client.CoreV1().Pods(ns).Create(c, pod(ns, "p", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := shared.client.CoreV1().Namespaces().Delete(c, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 20*time.Second, "namespace "+ns+" gone", func(ctx context.Context) (bool, error) {
		_, err := shared.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	list, err := shared.client.CoreV1().ConfigMaps(ns).List(c, metav1.ListOptions{})
	if err != nil || len(list.Items) != 0 {
		t.Errorf("configmaps left in deleted namespace: %d (%v)", len(list.Items), err)
	}
}
