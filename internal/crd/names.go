package crd

import (
	"fmt"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/bosun-dev/bosun/internal/registry"
)

// nameConflict reports the first of crd's requested names already taken in
// its group, by another CRD's accepted names or by a built-in resource, as
// the NamesAccepted condition's message (`"widgets" is already in use`).
// The empty string means every name is free.
func nameConflict(crd *apiextv1.CustomResourceDefinition, others []*apiextv1.CustomResourceDefinition, builtins []*registry.Resource) string {
	req := crd.Spec.Names
	type taken struct{ plural, singular, kind, listKind, short map[string]bool }
	t := taken{map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}}
	for _, o := range others {
		if o.Name == crd.Name || o.Spec.Group != crd.Spec.Group {
			continue
		}
		n := o.Status.AcceptedNames
		t.plural[n.Plural], t.singular[n.Singular] = true, true
		t.kind[n.Kind], t.listKind[n.ListKind] = true, true
		for _, s := range n.ShortNames {
			t.short[s] = true
		}
	}
	for _, b := range builtins {
		// Custom resources (they carry a Schema) are other CRDs, checked
		// above through their accepted names; this also keeps a CRD from
		// conflicting with itself when handed everything being served.
		if b.GVR.Group != crd.Spec.Group || b.Schema != nil {
			continue
		}
		t.plural[b.GVR.Resource], t.singular[b.SingularName] = true, true
		t.kind[b.Kind], t.listKind[b.ListKind] = true, true
		for _, s := range b.ShortNames {
			t.short[s] = true
		}
	}
	delete(t.plural, "")
	delete(t.singular, "")
	delete(t.kind, "")
	delete(t.listKind, "")
	inUse := func(s string) string { return fmt.Sprintf("%q is already in use", s) }
	switch {
	case t.plural[req.Plural]:
		return inUse(req.Plural)
	case t.singular[req.Singular]:
		return inUse(req.Singular)
	case t.kind[req.Kind]:
		return inUse(req.Kind)
	case t.listKind[req.ListKind]:
		return inUse(req.ListKind)
	}
	for _, s := range req.ShortNames {
		if t.short[s] {
			return inUse(s)
		}
	}
	return ""
}
