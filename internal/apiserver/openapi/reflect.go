package openapi

import (
	"reflect"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

const (
	v2Prefix = "#/definitions/"
	v3Prefix = "#/components/schemas/"

	extGVK            = "x-kubernetes-group-version-kind"
	extPatchStrategy  = "x-kubernetes-patch-strategy"
	extPatchMergeKey  = "x-kubernetes-patch-merge-key"
	extListType       = "x-kubernetes-list-type"
	extListMapKeys    = "x-kubernetes-list-map-keys"
	extMapType        = "x-kubernetes-map-type"
	extPreserve       = "x-kubernetes-preserve-unknown-fields"
	extIntOrString    = "x-kubernetes-int-or-string"
	extEmbeddedObject = "x-kubernetes-embedded-resource"
)

// typeSchemas derives definitions from Go types. A type is reflected once per
// process; the result is shared by every document, so callers must not
// mutate what define returns (copy first).
type typeSchemas struct {
	kinds map[reflect.Type][]schema.GroupVersionKind
	lists listSemantics

	mu    sync.Mutex
	names map[reflect.Type]string
	defs  map[string]*spec.Schema // v2 form, refs to #/definitions/
	// v3 holds the definitions whose OpenAPI v3 form differs (oneOf types).
	v3 map[string]*spec.Schema
}

func newTypeSchemas(scheme *runtime.Scheme) *typeSchemas {
	kinds := map[reflect.Type][]schema.GroupVersionKind{}
	for gvk, t := range scheme.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal {
			continue
		}
		kinds[t] = append(kinds[t], gvk)
	}
	for _, l := range kinds {
		sort.Slice(l, func(i, j int) bool {
			if l[i].Group != l[j].Group {
				return l[i].Group < l[j].Group
			}
			if l[i].Version != l[j].Version {
				return l[i].Version < l[j].Version
			}
			return l[i].Kind < l[j].Kind
		})
	}
	return &typeSchemas{
		kinds: kinds,
		lists: loadListSemantics(),
		names: map[reflect.Type]string{},
		defs:  map[string]*spec.Schema{},
		v3:    map[string]*spec.Schema{},
	}
}

// define returns the definition name of the Go type of obj, reflecting it and
// every type it references on first use.
func (g *typeSchemas) define(t reflect.Type) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.defineLocked(t)
}

// get returns the v2 definition called name and, when it differs, its v3
// form; nil when name was never defined.
func (g *typeSchemas) get(name string) (v2, v3 *spec.Schema) {
	g.mu.Lock()
	defer g.mu.Unlock()
	v2 = g.defs[name]
	v3 = g.v3[name]
	if v3 == nil {
		v3 = v2
	}
	return v2, v3
}

func (g *typeSchemas) defineLocked(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if name, ok := g.names[t]; ok {
		return name
	}
	name := definitionName(t)
	g.names[t] = name
	s := &spec.Schema{}
	g.defs[name] = s // placeholder first: types may refer to themselves (JSONSchemaProps)
	if sp, v3, ok := specialSchema(t); ok {
		*s = *sp
		if v3 != nil {
			g.v3[name] = v3
		}
	} else {
		g.structSchema(s, t, name)
	}
	if gvks := g.kinds[t]; len(gvks) > 0 {
		l := make([]interface{}, 0, len(gvks))
		for _, gvk := range gvks {
			l = append(l, gvkExtension(gvk))
		}
		s.AddExtension(extGVK, l)
	}
	return name
}

func gvkExtension(gvk schema.GroupVersionKind) map[string]interface{} {
	return map[string]interface{}{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind}
}

func (g *typeSchemas) structSchema(s *spec.Schema, t reflect.Type, name string) {
	doc := swaggerDoc(t)
	s.Description = doc[""]
	s.Type = spec.StringOrArray{"object"}
	g.addFields(s, t, name, doc)
	sort.Strings(s.Required)
	if g.lists.atomicStruct(name) {
		s.AddExtension(extMapType, "atomic")
	}
}

// addFields adds the JSON fields of struct t to s, inlining embedded structs
// as encoding/json does. def is the definition the fields end up in, which
// for an inlined struct is the embedding one.
func (g *typeSchemas) addFields(s *spec.Schema, t reflect.Type, def string, doc map[string]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.addFields(s, ft, def, swaggerDoc(ft))
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		prop := g.fieldSchema(f.Type)
		if d := doc[name]; d != "" {
			prop.Description = d
		}
		if v := f.Tag.Get("patchStrategy"); v != "" {
			prop.AddExtension(extPatchStrategy, v)
		}
		if v := f.Tag.Get("patchMergeKey"); v != "" {
			prop.AddExtension(extPatchMergeKey, v)
		}
		g.lists.annotate(def, name, &prop)
		if s.Properties == nil {
			s.Properties = map[string]spec.Schema{}
		}
		s.Properties[name] = prop
		if !hasOpt(opts, "omitempty") && !hasOpt(opts, "omitzero") {
			s.Required = append(s.Required, name)
		}
	}
}

func hasOpt(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// fieldSchema is the schema of a field of Go type t: a reference for named
// structs, an inline schema otherwise.
func (g *typeSchemas) fieldSchema(t reflect.Type) spec.Schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct && t.Name() != "" || isSpecial(t) {
		return refSchema(v2Prefix + g.defineLocked(t))
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return typed("string", "byte")
		}
		items := g.fieldSchema(t.Elem())
		s := typed("array", "")
		s.Items = &spec.SchemaOrArray{Schema: &items}
		return s
	case reflect.Map:
		elem := g.fieldSchema(t.Elem())
		s := typed("object", "")
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: true, Schema: &elem}
		return s
	case reflect.Struct: // anonymous struct
		s := spec.Schema{}
		s.Type = spec.StringOrArray{"object"}
		g.addFields(&s, t, "", nil)
		sort.Strings(s.Required)
		return s
	case reflect.String:
		return typed("string", "")
	case reflect.Bool:
		return typed("boolean", "")
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int, reflect.Uint8, reflect.Uint16:
		return typed("integer", "int32")
	case reflect.Int64, reflect.Uint32, reflect.Uint64, reflect.Uint:
		return typed("integer", "int64")
	case reflect.Float32:
		return typed("number", "float")
	case reflect.Float64:
		return typed("number", "double")
	default: // interface{} and anything else holds arbitrary JSON
		s := spec.Schema{}
		s.AddExtension(extPreserve, true)
		return s
	}
}

func typed(typ, format string) spec.Schema {
	return spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{typ}, Format: format}}
}

func refSchema(ref string) spec.Schema {
	return spec.Schema{SchemaProps: spec.SchemaProps{Ref: spec.MustCreateRef(ref)}}
}

type swaggerDocer interface{ SwaggerDoc() map[string]string }

// swaggerDoc returns the generated field documentation of a k8s.io/api type,
// keyed by JSON field name ("" for the type itself).
func swaggerDoc(t reflect.Type) map[string]string {
	if d, ok := reflect.Zero(t).Interface().(swaggerDocer); ok {
		return d.SwaggerDoc()
	}
	if d, ok := reflect.New(t).Interface().(swaggerDocer); ok {
		return d.SwaggerDoc()
	}
	return nil
}
