package crd

import (
	"reflect"
	"testing"
	"time"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func TestColumns(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	obj := mustObj(t, `
metadata: {name: w1, creationTimestamp: "2026-01-01T11:55:00Z"}
spec: {size: 3, ratio: 2, enabled: true, image: nginx, tags: [a, b]}
status: {since: "2026-01-01T10:00:00Z"}
`)
	cols := []apiextv1.CustomResourceColumnDefinition{
		{Name: "Size", Type: "integer", JSONPath: ".spec.size"},
		{Name: "Ratio", Type: "number", JSONPath: ".spec.ratio", Priority: 1, Description: "how much"},
		{Name: "On", Type: "boolean", JSONPath: ".spec.enabled"},
		{Name: "Image", Type: "string", JSONPath: ".spec.image"},
		{Name: "Tags", Type: "string", JSONPath: ".spec.tags"},
		{Name: "Since", Type: "date", JSONPath: ".status.since"},
		{Name: "Missing", Type: "string", JSONPath: ".status.nope"},
		{Name: "WrongType", Type: "integer", JSONPath: ".spec.image"},
		{Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp"},
	}
	tb, err := newTable(cols, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range tb.columns {
		names = append(names, c.Name)
	}
	if want := []string{"Name", "Size", "Ratio", "On", "Image", "Tags", "Since", "Missing", "WrongType", "Age"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("columns %v", names)
	}
	if c := tb.columns[2]; c.Priority != 1 || c.Type != "number" || c.Description != "how much" {
		t.Fatalf("ratio column %+v", c)
	}
	if c := tb.columns[0]; c.Format != "name" || c.Type != "string" {
		t.Fatalf("name column %+v", c)
	}
	want := []interface{}{"w1", int64(3), float64(2), true, "nginx", `["a","b"]`, "120m", nil, nil, "5m"}
	if got := tb.row(obj); !reflect.DeepEqual(got, want) {
		t.Fatalf("row\n got %#v\nwant %#v", got, want)
	}
}

func TestDefaultColumnsIsAge(t *testing.T) {
	tb, err := newTable(nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.columns) != 2 || tb.columns[0].Name != "Name" || tb.columns[1].Name != "Age" || tb.columns[1].Type != "date" {
		t.Fatalf("columns %+v", tb.columns)
	}
}

func TestConversion(t *testing.T) {
	crd := mustCRD(t, widgetCRD)
	v2 := crd.Spec.Versions[0].DeepCopy()
	v2.Name, v2.Storage = "v2", false
	v2.Schema.OpenAPIV3Schema.Properties["spec"].Properties["size"] = apiextv1.JSONSchemaProps{Type: "integer", Default: &apiextv1.JSON{Raw: []byte("7")}}
	crd.Spec.Versions = append(crd.Spec.Versions, *v2)
	rs, err := Resources(crd)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[1].GVR.Version != "v2" || rs[1].StoragePrefix != "example.com/widgets" {
		t.Fatalf("resources %+v", rs)
	}
	obj := mustObj(t, `{apiVersion: example.com/v2, kind: Widget, metadata: {name: w}, spec: {size: 2}}`)
	stored, err := rs[1].ToStorage(obj)
	if err != nil {
		t.Fatal(err)
	}
	if got := stored.GetObjectKind().GroupVersionKind().Version; got != "v1" {
		t.Fatalf("stored as %s", got)
	}
	if obj.GetAPIVersion() != "example.com/v2" {
		t.Fatal("ToStorage changed its input")
	}
	// Reading through v2 converts back and applies v2's defaults.
	su := mustObj(t, `{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}, spec: {}}`)
	read, err := rs[1].FromStorage(su)
	if err != nil {
		t.Fatal(err)
	}
	want := mustObj(t, `{apiVersion: example.com/v2, kind: Widget, metadata: {name: w}, spec: {size: 7}}`)
	if !reflect.DeepEqual(read.(interface{ UnstructuredContent() map[string]interface{} }).UnstructuredContent(), want.Object) {
		t.Fatalf("read %v", read)
	}
	if n := rs[1].New(); n.GetObjectKind().GroupVersionKind().String() != "example.com/v2, Kind=Widget" {
		t.Fatalf("New %v", n.GetObjectKind())
	}
	if l := rs[0].NewList(); l.GetObjectKind().GroupVersionKind().Kind != "WidgetList" {
		t.Fatalf("NewList %v", l.GetObjectKind())
	}

	crd.Spec.Conversion = &apiextv1.CustomResourceConversion{Strategy: apiextv1.WebhookConverter}
	rs, err = Resources(crd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rs[1].ToStorage(obj); err == nil || err.Error() != "convert example.com/v2 to example.com/v1: conversion webhook not supported" {
		t.Fatalf("webhook conversion: %v", err)
	}
	if _, err := rs[0].ToStorage(mustObj(t, `{apiVersion: example.com/v1, kind: Widget}`)); err != nil {
		t.Fatalf("same-version with webhook strategy: %v", err)
	}
}
