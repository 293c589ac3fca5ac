package openapi

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/kube-openapi/pkg/validation/spec"
	smd "sigs.k8s.io/structured-merge-diff/v6/schema"
)

// listSemantics knows how lists and maps of built-in types merge. Go struct
// tags do not say it (+listType and +listMapKeys are comments in k8s.io/api),
// but client-go carries the structured-merge-diff schema generated from those
// comments for its apply configurations, so it is read from there.
type listSemantics struct {
	s *smd.Schema // nil when unavailable: no annotations then
}

func loadListSemantics() listSemantics {
	tc := applyconfigurations.NewTypeConverter(scheme.Scheme)
	obj := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}}
	tv, err := tc.ObjectToTyped(obj)
	if err != nil {
		return listSemantics{}
	}
	return listSemantics{s: tv.Schema()}
}

// atomicStruct reports whether the definition called def is replaced as a
// whole by apply (+structType=atomic, like LabelSelector).
func (l listSemantics) atomicStruct(def string) bool {
	if l.s == nil {
		return false
	}
	td, ok := l.s.FindNamedType(def)
	return ok && td.Map != nil && td.Map.ElementRelationship == smd.Atomic
}

// annotate adds list-type, list-map-keys, map-type and the default to the
// schema of field in definition def.
func (l listSemantics) annotate(def, field string, s *spec.Schema) {
	if l.s == nil || def == "" {
		return
	}
	td, ok := l.s.FindNamedType(def)
	if !ok || td.Map == nil {
		return
	}
	f, ok := td.Map.FindField(field)
	if !ok {
		return
	}
	if f.Default != nil {
		s.Default = f.Default
	}
	switch {
	case f.Type.Inlined.List != nil:
		list := f.Type.Inlined.List
		switch {
		case list.ElementRelationship == smd.Associative && len(list.Keys) > 0:
			s.AddExtension(extListType, "map")
			keys := make([]interface{}, len(list.Keys))
			for i, k := range list.Keys {
				keys[i] = k
			}
			s.AddExtension(extListMapKeys, keys)
		case list.ElementRelationship == smd.Associative:
			s.AddExtension(extListType, "set")
		case list.ElementRelationship == smd.Atomic:
			s.AddExtension(extListType, "atomic")
		}
	case f.Type.Inlined.Map != nil:
		if f.Type.Inlined.Map.ElementRelationship == smd.Atomic {
			s.AddExtension(extMapType, "atomic")
		}
	case f.Type.ElementRelationship != nil && *f.Type.ElementRelationship == smd.Atomic:
		s.AddExtension(extMapType, "atomic")
	}
}
