package apiserver

import (
	"testing"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDefaultStorageClass(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	class := func(name string, created time.Time, annotations map[string]string) *storagev1.StorageClass {
		return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(created), Annotations: annotations}}
	}
	isDefault := map[string]string{isDefaultClassAnnotation: "true"}
	for _, tc := range []struct {
		name    string
		classes []*storagev1.StorageClass
		want    string
	}{
		{"none", nil, ""},
		{"no default", []*storagev1.StorageClass{class("a", t0, nil), class("b", t0, map[string]string{isDefaultClassAnnotation: "false"})}, ""},
		{"one default", []*storagev1.StorageClass{class("a", t0, nil), class("local-path", t0, isDefault)}, "local-path"},
		{"beta annotation", []*storagev1.StorageClass{class("old", t0, map[string]string{betaIsDefaultClassAnnotation: "true"})}, "old"},
		{"newest default wins", []*storagev1.StorageClass{class("old", t0, isDefault), class("new", t0.Add(time.Second), isDefault), class("older", t0.Add(-time.Hour), isDefault)}, "new"},
		{"same age: first by name", []*storagev1.StorageClass{class("zeta", t0, isDefault), class("alpha", t0, isDefault)}, "alpha"},
		{"value must be exactly true", []*storagev1.StorageClass{class("a", t0, map[string]string{isDefaultClassAnnotation: "True"})}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if sc := defaultStorageClass(tc.classes); sc != nil {
				got = sc.Name
			}
			if got != tc.want {
				t.Errorf("default class = %q, want %q", got, tc.want)
			}
		})
	}
}
