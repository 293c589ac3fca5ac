package openapi

import (
	"encoding/json"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/bosun-dev/bosun/internal/registry"
)

const (
	apiVersionDoc = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"
	kindDoc       = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
	metadataDoc   = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
	listMetaDoc   = "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
)

// customDefinitions returns the definitions of a custom resource kind and
// of its list, in full (OpenAPI v3 structural) form with refs to
// #/definitions/. objectMeta and listMeta are the definition names of the
// meta types.
func customDefinitions(r *registry.Resource, objectMeta, listMeta string) (kind, list *spec.Schema, err error) {
	kind, err = cloneSchema(r.Schema)
	if err != nil {
		return nil, nil, err
	}
	if len(kind.Type) == 0 {
		kind.Type = spec.StringOrArray{"object"}
	}
	if r.Schema == nil {
		// A version without a schema keeps whatever it is sent.
		kind.AddExtension(extPreserve, true)
	}
	props := make(map[string]spec.Schema, len(kind.Properties)+3)
	for k, v := range kind.Properties {
		props[k] = v
	}
	props["apiVersion"] = described(typed("string", ""), apiVersionDoc)
	props["kind"] = described(typed("string", ""), kindDoc)
	// Whatever the CRD says about metadata, the server stores ObjectMeta.
	props["metadata"] = described(refSchema(v2Prefix+objectMeta), metadataDoc)
	kind.Properties = props
	kind.AddExtension(extGVK, []interface{}{gvkExtension(r.GVK())})

	items := refSchema(v2Prefix + customName(r.GVK()))
	itemList := typed("array", "")
	itemList.Items = &spec.SchemaOrArray{Schema: &items}
	list = &spec.Schema{}
	list.Description = listKind(r) + " is a list of " + r.Kind
	list.Type = spec.StringOrArray{"object"}
	list.Required = []string{"items"}
	list.Properties = map[string]spec.Schema{
		"apiVersion": described(typed("string", ""), apiVersionDoc),
		"kind":       described(typed("string", ""), kindDoc),
		"metadata":   described(refSchema(v2Prefix+listMeta), listMetaDoc),
		"items":      described(itemList, "List of "+r.GVR.Resource+". More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"),
	}
	list.AddExtension(extGVK, []interface{}{gvkExtension(r.GVR.GroupVersion().WithKind(listKind(r)))})
	return kind, list, nil
}

func described(s spec.Schema, d string) spec.Schema {
	s.Description = d
	return s
}

// cloneSchema deep-copies s; the CRD's schema belongs to the caller.
func cloneSchema(s *spec.Schema) (*spec.Schema, error) {
	out := &spec.Schema{}
	if s == nil {
		return out, nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	return out, nil
}

// toV2 rewrites a structural v3 schema, in place, into what swagger 2.0
// clients (kubectl's client-side validation, protobuf conversion) accept:
// no combinators, no nullable, and no half-known subtrees they would
// reject. The root keeps its properties: they hold metadata, apiVersion and kind.
func toV2(s *spec.Schema, root bool) {
	s.AllOf, s.AnyOf, s.OneOf, s.Not = nil, nil, nil, nil
	delete(s.Extensions, "x-kubernetes-validations")
	if !root {
		if s.Nullable {
			// A null value would fail a typed check, and an untyped
			// schema with properties confuses kubectl.
			s.Type, s.Items, s.Properties = nil, nil, nil
		}
		if p, _ := s.Extensions[extPreserve].(bool); p {
			s.Items, s.Properties = nil, nil
		}
		if ios, _ := s.Extensions[extIntOrString].(bool); ios {
			s.Type = nil
		}
	}
	s.Nullable = false
	for k, p := range s.Properties {
		toV2(&p, false)
		s.Properties[k] = p
	}
	if s.Items != nil {
		if s.Items.Schema != nil {
			toV2(s.Items.Schema, false)
		}
		for i := range s.Items.Schemas {
			toV2(&s.Items.Schemas[i], false)
		}
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		toV2(s.AdditionalProperties.Schema, false)
	}
	if len(s.Type) == 1 && s.Type[0] == "array" && s.Items == nil {
		s.Type = nil // kubectl cannot check an array whose items it does not know
	}
}

// isCustom reports whether r is a custom resource: it has a CRD schema or,
// for a version without one, its objects are unstructured.
func isCustom(r *registry.Resource) bool {
	if r.Schema != nil {
		return true
	}
	if r.New == nil {
		return false
	}
	_, ok := r.New().(runtime.Unstructured)
	return ok
}

// refName returns the definition a ref names ("" for none).
func refName(r spec.Ref) string {
	str := r.String()
	if i := strings.LastIndexByte(str, '/'); i >= 0 {
		return str[i+1:]
	}
	return str
}

// eachRef calls fn with the name of every definition s refers to.
func eachRef(s *spec.Schema, fn func(string)) {
	if s == nil {
		return
	}
	if n := refName(s.Ref); n != "" {
		fn(n)
	}
	for k := range s.Properties {
		p := s.Properties[k]
		eachRef(&p, fn)
	}
	if s.Items != nil {
		eachRef(s.Items.Schema, fn)
		for i := range s.Items.Schemas {
			eachRef(&s.Items.Schemas[i], fn)
		}
	}
	if s.AdditionalProperties != nil {
		eachRef(s.AdditionalProperties.Schema, fn)
	}
	for _, l := range [][]spec.Schema{s.AllOf, s.AnyOf, s.OneOf} {
		for i := range l {
			eachRef(&l[i], fn)
		}
	}
	eachRef(s.Not, fn)
}

func listKind(r *registry.Resource) string {
	if r.ListKind != "" {
		return r.ListKind
	}
	return r.Kind + "List"
}
