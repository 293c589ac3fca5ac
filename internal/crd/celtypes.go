package crd

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
)

// celTypes is the CEL type provider for one schema: every object node with
// properties becomes an object type whose fields are the (escaped) property
// names, so rules are type-checked against the schema when the CRD is
// written ("undefined field 'colr'"). Runtime values are the unstructured
// maps themselves; fields are read straight out of them.
type celTypes struct {
	*types.Registry
	objects map[string]*celObject
}

type celObject struct {
	typ    *types.Type
	fields map[string]*types.FieldType
	names  []string
}

func newCELTypes() (*celTypes, error) {
	reg, err := types.NewRegistry()
	if err != nil {
		return nil, err
	}
	return &celTypes{Registry: reg, objects: map[string]*celObject{}}, nil
}

func (t *celTypes) FindStructType(name string) (*types.Type, bool) {
	if o, ok := t.objects[name]; ok {
		return types.NewTypeTypeWithParam(o.typ), true
	}
	return t.Registry.FindStructType(name)
}

func (t *celTypes) FindStructFieldNames(name string) ([]string, bool) {
	if o, ok := t.objects[name]; ok {
		return o.names, true
	}
	return t.Registry.FindStructFieldNames(name)
}

func (t *celTypes) FindStructFieldType(name, fieldName string) (*types.FieldType, bool) {
	if o, ok := t.objects[name]; ok {
		f, ok := o.fields[fieldName]
		return f, ok
	}
	return t.Registry.FindStructFieldType(name, fieldName)
}

func (t *celTypes) NewValue(name string, fields map[string]ref.Val) ref.Val {
	if _, ok := t.objects[name]; ok {
		return types.NewErr("cannot construct objects of type %s", name)
	}
	return t.Registry.NewValue(name, fields)
}

// typeOf returns the CEL type of values of schema s, registering object
// types under name. Scalars map as Kubernetes documents: integer → int,
// number → double, string → string (timestamp for date and date-time,
// duration for duration, bytes for byte), int-or-string and schemaless
// preserved objects → dyn.
func (t *celTypes) typeOf(s *apiextv1.JSONSchemaProps, name string, resourceRoot bool) *types.Type {
	if s == nil || s.XIntOrString {
		return types.DynType
	}
	switch s.Type {
	case "object":
		if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
			return types.NewMapType(types.StringType, t.typeOf(s.AdditionalProperties.Schema, name+".@value", false))
		}
		if len(s.Properties) == 0 && !resourceRoot && !s.XEmbeddedResource && preservesUnknown(s) {
			return types.DynType
		}
		// Type names cannot be written in an expression (the checker
		// would otherwise resolve "self.spec" to the type, not the field).
		obj := &celObject{typ: types.NewObjectType("object:" + name), fields: map[string]*types.FieldType{}}
		t.objects["object:"+name] = obj
		add := func(prop string, ft *types.Type) {
			esc, ok := escapeCELName(prop)
			if !ok {
				return
			}
			obj.fields[esc] = fieldOf(prop, ft)
			obj.names = append(obj.names, esc)
		}
		for prop, ps := range s.Properties {
			if (resourceRoot || s.XEmbeddedResource) && prop == "metadata" {
				continue
			}
			ps := ps
			add(prop, t.typeOf(&ps, name+"."+prop, false))
		}
		if resourceRoot || s.XEmbeddedResource {
			if _, ok := s.Properties["apiVersion"]; !ok {
				add("apiVersion", types.StringType)
			}
			if _, ok := s.Properties["kind"]; !ok {
				add("kind", types.StringType)
			}
			meta := &celObject{typ: types.NewObjectType("object:" + name + ".metadata"), fields: map[string]*types.FieldType{
				"name":         fieldOf("name", types.StringType),
				"generateName": fieldOf("generateName", types.StringType),
			}, names: []string{"name", "generateName"}}
			t.objects["object:"+name+".metadata"] = meta
			add("metadata", meta.typ)
		}
		return obj.typ
	case "array":
		return types.NewListType(t.typeOf(itemsSchema(s), name+".@idx", false))
	case "integer":
		return types.IntType
	case "number":
		return types.DoubleType
	case "boolean":
		return types.BoolType
	case "string":
		switch s.Format {
		case "date", "date-time":
			return types.TimestampType
		case "duration":
			return types.DurationType
		case "byte":
			return types.BytesType
		}
		return types.StringType
	}
	return types.DynType
}

func fieldOf(prop string, ft *types.Type) *types.FieldType {
	return &types.FieldType{
		Type: ft,
		IsSet: func(target any) bool {
			m, ok := target.(map[string]interface{})
			if !ok {
				return false
			}
			_, ok = m[prop]
			return ok
		},
		GetFrom: func(target any) (any, error) {
			m, ok := target.(map[string]interface{})
			if !ok {
				return nil, fmt.Errorf("no such key: %s", prop)
			}
			v, ok := m[prop]
			if !ok {
				return nil, fmt.Errorf("no such key: %s", prop)
			}
			return v, nil
		},
	}
}

var celReserved = map[string]bool{
	"true": true, "false": true, "null": true, "in": true, "as": true, "break": true,
	"const": true, "continue": true, "else": true, "for": true, "function": true,
	"if": true, "import": true, "let": true, "loop": true, "package": true,
	"namespace": true, "return": true, "var": true, "void": true, "while": true,
}

var celAccessible = regexp.MustCompile(`^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$`)

// escapeCELName maps a property name to the identifier rules use for it, as
// Kubernetes documents: reserved words become __word__, and "__", ".", "-"
// and "/" become __underscores__, __dot__, __dash__ and __slash__. Names
// that cannot be escaped are not accessible.
func escapeCELName(name string) (string, bool) {
	if celReserved[name] {
		return "__" + name + "__", true
	}
	if !celAccessible.MatchString(name) {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		switch {
		case strings.HasPrefix(name[i:], "__"):
			b.WriteString("__underscores__")
			i++
		case name[i] == '.':
			b.WriteString("__dot__")
		case name[i] == '-':
			b.WriteString("__dash__")
		case name[i] == '/':
			b.WriteString("__slash__")
		default:
			b.WriteByte(name[i])
		}
	}
	return b.String(), true
}

// celValue converts an unstructured value into what rules see: nulls
// dropped from objects (absent, as Kubernetes treats them), numbers as
// float64, formatted strings as time.Time, time.Duration or []byte, and
// root metadata cut to name and generateName.
func celValue(v interface{}, s *apiextv1.JSONSchemaProps, resourceRoot bool) interface{} {
	if v == nil || s == nil || s.XIntOrString {
		return v
	}
	switch s.Type {
	case "object":
		m, ok := v.(map[string]interface{})
		if !ok {
			return v
		}
		out := make(map[string]interface{}, len(m))
		for k, e := range m {
			if e == nil {
				continue
			}
			if (resourceRoot || s.XEmbeddedResource) && k == "metadata" {
				if meta, ok := e.(map[string]interface{}); ok {
					sub := map[string]interface{}{}
					for _, f := range []string{"name", "generateName"} {
						if x, ok := meta[f]; ok && x != nil {
							sub[f] = x
						}
					}
					out[k] = sub
				}
				continue
			}
			out[k] = celValue(e, childSchema(s, k), false)
		}
		return out
	case "array":
		l, ok := v.([]interface{})
		if !ok {
			return v
		}
		items := itemsSchema(s)
		out := make([]interface{}, len(l))
		for i, e := range l {
			out[i] = celValue(e, items, false)
		}
		return out
	case "number":
		if i, ok := v.(int64); ok {
			return float64(i)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return v
		}
		switch s.Format {
		case "date-time":
			if ts, err := time.Parse(time.RFC3339Nano, str); err == nil {
				return ts
			}
		case "date":
			if ts, err := time.Parse(time.DateOnly, str); err == nil {
				return ts
			}
		case "duration":
			if d, err := strfmt.ParseDuration(str); err == nil {
				return d
			}
		case "byte":
			if b, err := base64.StdEncoding.DecodeString(str); err == nil {
				return b
			}
		}
	}
	return v
}
