package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

var widgetsGVR = schema.GroupVersionResource{Group: "integration.bosun.dev", Version: "v1", Resource: "widgets"}

func widgetCRD() *apiextv1.CustomResourceDefinition {
	return &apiextv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "widgets.integration.bosun.dev"},
		Spec: apiextv1.CustomResourceDefinitionSpec{
			Group: "integration.bosun.dev",
			Names: apiextv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList", ShortNames: []string{"wd"}},
			Scope: apiextv1.NamespaceScoped,
			Versions: []apiextv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Subresources: &apiextv1.CustomResourceSubresources{Status: &apiextv1.CustomResourceSubresourceStatus{}},
				AdditionalPrinterColumns: []apiextv1.CustomResourceColumnDefinition{
					{Name: "Size", Type: "integer", JSONPath: ".spec.size"},
					{Name: "Phase", Type: "string", JSONPath: ".status.phase"},
				},
				Schema: &apiextv1.CustomResourceValidation{OpenAPIV3Schema: &apiextv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextv1.JSONSchemaProps{
						"spec": {Type: "object", Required: []string{"size"}, Properties: map[string]apiextv1.JSONSchemaProps{
							"size":  {Type: "integer", Minimum: ptr.To[float64](1)},
							"color": {Type: "string"},
						}},
						"status": {Type: "object", Properties: map[string]apiextv1.JSONSchemaProps{
							"phase": {Type: "string"},
						}},
					},
				}},
			}},
		},
	}
}

func widget(ns, name string, size int64) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "integration.bosun.dev/v1", "kind": "Widget",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     map[string]any{"size": size},
	}}
}

func TestCustomResources(t *testing.T) {
	c := ctx(t)
	ext := apiextclient.NewForConfigOrDie(shared.config)
	crds := ext.ApiextensionsV1().CustomResourceDefinitions()
	if _, err := crds.Create(c, widgetCRD(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create CRD: %v", err)
	}
	t.Cleanup(func() { _ = crds.Delete(context.Background(), "widgets.integration.bosun.dev", metav1.DeleteOptions{}) })
	start := time.Now()
	poll(t, 5*time.Second, "CRD Established", func(ctx context.Context) (bool, error) {
		crd, err := crds.Get(ctx, "widgets.integration.bosun.dev", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, cond := range crd.Status.Conditions {
			if cond.Type == apiextv1.Established && cond.Status == apiextv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	t.Logf("established after %v", time.Since(start).Round(time.Millisecond))
	poll(t, 5*time.Second, "widgets in discovery", func(context.Context) (bool, error) {
		l, err := shared.discovery.ServerResourcesForGroupVersion("integration.bosun.dev/v1")
		if err != nil {
			return false, nil
		}
		for _, r := range l.APIResources {
			if r.Name == "widgets" {
				return true, nil
			}
		}
		return false, nil
	})

	ns := newNamespace(t)
	widgets := shared.dynamic.Resource(widgetsGVR).Namespace(ns)

	t.Run("create, get, list", func(t *testing.T) {
		created, err := widgets.Create(c, widget(ns, "w1", 3), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if created.GetUID() == "" || created.GetResourceVersion() == "" || created.GetGeneration() != 1 {
			t.Errorf("system fields: uid %q rv %q generation %d", created.GetUID(), created.GetResourceVersion(), created.GetGeneration())
		}
		got, err := widgets.Get(c, "w1", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if size, _, _ := unstructured.NestedInt64(got.Object, "spec", "size"); size != 3 {
			t.Errorf("spec.size %d", size)
		}
		if _, err := widgets.Create(c, widget(ns, "w2", 5), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		list, err := widgets.List(c, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if len(list.Items) != 2 || list.GetKind() != "WidgetList" {
			t.Errorf("list: kind %q %d items", list.GetKind(), len(list.Items))
		}
		_, err = widgets.Create(c, widget(ns, "w1", 3), metav1.CreateOptions{})
		wantStatus(t, err, http.StatusConflict, metav1.StatusReasonAlreadyExists)
	})

	t.Run("schema validation", func(t *testing.T) {
		_, err := widgets.Create(c, widget(ns, "zero", 0), metav1.CreateOptions{})
		se := wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
		if !strings.Contains(se.ErrStatus.Message, "spec.size") {
			t.Errorf("message %q does not mention spec.size", se.ErrStatus.Message)
		}
		noSize := widget(ns, "nosize", 1)
		unstructured.RemoveNestedField(noSize.Object, "spec", "size")
		_, err = widgets.Create(c, noSize, metav1.CreateOptions{})
		wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
		wrongType := widget(ns, "wrongtype", 1)
		_ = unstructured.SetNestedField(wrongType.Object, "big", "spec", "size")
		_, err = widgets.Create(c, wrongType, metav1.CreateOptions{})
		wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
	})

	t.Run("unknown fields", func(t *testing.T) {
		extra := widget(ns, "extra", 2)
		_ = unstructured.SetNestedField(extra.Object, "shiny", "spec", "finish")
		_, err := widgets.Create(c, extra, metav1.CreateOptions{FieldValidation: "Strict"})
		if err == nil || !strings.Contains(err.Error(), "unknown field") {
			t.Fatalf("strict create with an unknown field: %v, want an unknown field error", err)
		}
		// Without Strict the field is pruned.
		got, err := widgets.Create(c, extra, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if _, found, _ := unstructured.NestedFieldNoCopy(got.Object, "spec", "finish"); found {
			t.Error("unknown field not pruned")
		}
	})

	t.Run("status subresource", func(t *testing.T) {
		w, err := widgets.Get(c, "w1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_ = unstructured.SetNestedField(w.Object, "Ready", "status", "phase")
		_ = unstructured.SetNestedField(w.Object, int64(9), "spec", "size")
		w, err = widgets.UpdateStatus(c, w, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update status: %v", err)
		}
		phase, _, _ := unstructured.NestedString(w.Object, "status", "phase")
		size, _, _ := unstructured.NestedInt64(w.Object, "spec", "size")
		if phase != "Ready" || size != 3 {
			t.Errorf("after status update: phase %q size %d, want Ready and 3", phase, size)
		}
		_ = unstructured.SetNestedField(w.Object, "Broken", "status", "phase")
		_ = unstructured.SetNestedField(w.Object, int64(4), "spec", "size")
		w, err = widgets.Update(c, w, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		phase, _, _ = unstructured.NestedString(w.Object, "status", "phase")
		size, _, _ = unstructured.NestedInt64(w.Object, "spec", "size")
		if phase != "Ready" || size != 4 || w.GetGeneration() != 2 {
			t.Errorf("after main update: phase %q size %d generation %d, want Ready, 4, 2", phase, size, w.GetGeneration())
		}
	})

	t.Run("printer columns", func(t *testing.T) {
		r := do(t, request{method: http.MethodGet, path: "/apis/integration.bosun.dev/v1/namespaces/" + ns + "/widgets/w1",
			headers: map[string]string{"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}})
		var table metav1.Table
		if err := json.Unmarshal(r.body, &table); err != nil || r.code != http.StatusOK {
			t.Fatalf("get as Table: %d %s", r.code, truncate(r.body))
		}
		var cols []string
		for _, col := range table.ColumnDefinitions {
			cols = append(cols, col.Name)
		}
		// With additionalPrinterColumns, only Name is added (no Age).
		if fmt.Sprint(cols) != "[Name Size Phase]" {
			t.Errorf("columns %v, want [Name Size Phase]", cols)
		}
		if len(table.Rows) != 1 || fmt.Sprint(table.Rows[0].Cells[:3]) != "[w1 4 Ready]" {
			t.Errorf("rows %+v", table.Rows)
		}
	})

	t.Run("delete the CRD", func(t *testing.T) {
		if err := crds.Delete(c, "widgets.integration.bosun.dev", metav1.DeleteOptions{}); err != nil {
			t.Fatalf("delete CRD: %v", err)
		}
		poll(t, 10*time.Second, "CRD gone", func(ctx context.Context) (bool, error) {
			_, err := crds.Get(ctx, "widgets.integration.bosun.dev", metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
		_, err := widgets.List(c, metav1.ListOptions{})
		wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
		r := do(t, request{method: http.MethodGet, path: "/apis/integration.bosun.dev/v1/namespaces/" + ns + "/widgets"})
		if r.code != http.StatusNotFound || r.status(t).Reason != metav1.StatusReasonNotFound {
			t.Errorf("widgets endpoint after CRD deletion: %d", r.code)
		}
		// Recreating the CRD shows that no widget survived.
		if _, err := crds.Create(c, widgetCRD(), metav1.CreateOptions{}); err != nil {
			t.Fatalf("recreate CRD: %v", err)
		}
		poll(t, 5*time.Second, "widgets served again", func(ctx context.Context) (bool, error) {
			l, err := widgets.List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, nil
			}
			if len(l.Items) != 0 {
				return false, fmt.Errorf("%d widgets survived their CRD", len(l.Items))
			}
			return true, nil
		})
	})
}
