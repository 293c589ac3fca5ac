package openapi

import (
	"testing"
)

// BenchmarkBuildAll generates every group-version document of the built-ins
// and the merged v2 document, without serializing them.
func BenchmarkBuildAll(b *testing.B) {
	rs := builtinResources(b)
	s := New(testScheme)
	s.SetResources(rs)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.SetResources(nil)
		s.SetResources(rs)
		if _, _, err := s.v2.swagger(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkV2JSON serializes the v2 document.
func BenchmarkV2JSON(b *testing.B) {
	s := New(testScheme)
	s.SetResources(builtinResources(b))
	sw, _, err := s.v2.swagger()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := sw.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCustomResourceChange regenerates and serializes the v3 document
// of a changed custom resource.
func BenchmarkCustomResourceChange(b *testing.B) {
	builtins := builtinResources(b)
	s := New(testScheme)
	s.SetResources(builtins)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.SetResources(append(builtins[:len(builtins):len(builtins)], widgetResource()))
		st := s.gvs[widgetResource().GVR.GroupVersion()]
		doc, err := st.get()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := doc.openAPIV3(s.types).MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}
