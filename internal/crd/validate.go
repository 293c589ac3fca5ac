package crd

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	openapierrors "k8s.io/kube-openapi/pkg/validation/errors"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
)

// schemaValidator checks values against one version's OpenAPI schema.
type schemaValidator struct {
	schema *spec.Schema
}

func newSchemaValidator(p *apiextv1.JSONSchemaProps) (*schemaValidator, error) {
	s, err := validationSchema(p)
	if err != nil {
		return nil, err
	}
	return &schemaValidator{schema: s}, nil
}

// validate checks v and reports errors under base, with Kubernetes'
// messages: the validator's sentence ("spec.size in body should be greater
// than or equal to 1") as the detail of an Invalid error at the field.
func (sv *schemaValidator) validate(base *field.Path, v interface{}) field.ErrorList {
	if sv == nil || sv.schema == nil {
		return nil
	}
	root := ""
	if base != nil {
		root = base.String()
	}
	res := validate.NewSchemaValidator(sv.schema, nil, root, strfmt.Default).Validate(v)
	var errs field.ErrorList
	for _, e := range res.Errors {
		errs = append(errs, toFieldErrors(e)...)
	}
	return errs
}

func toFieldErrors(err error) field.ErrorList {
	switch e := err.(type) {
	case *openapierrors.CompositeError:
		var out field.ErrorList
		for _, inner := range e.Errors {
			out = append(out, toFieldErrors(inner)...)
		}
		return out
	case *openapierrors.Validation:
		p := parsePath(e.Name)
		switch e.Code() {
		case openapierrors.RequiredFailCode:
			return field.ErrorList{field.Required(p, "")}
		case openapierrors.EnumFailCode:
			values := make([]string, 0, len(e.Values))
			for _, v := range e.Values {
				values = append(values, enumString(v))
			}
			return field.ErrorList{field.NotSupported(p, e.Value, values)}
		case openapierrors.TooLongFailCode:
			max := 0
			if m, ok := e.Valid.(int64); ok {
				max = int(m)
			}
			return field.ErrorList{field.TooLong(p, "", max)}
		case openapierrors.MaxItemsFailCode:
			return field.ErrorList{field.TooMany(p, toInt(e.Value), toInt(e.Valid))}
		case openapierrors.TooManyPropertiesCode:
			return field.ErrorList{field.TooMany(p, toInt(e.Value), toInt(e.Valid))}
		case openapierrors.InvalidTypeCode:
			return field.ErrorList{field.TypeInvalid(p, e.Value, e.Error())}
		default:
			return field.ErrorList{field.Invalid(p, e.Value, e.Error())}
		}
	default:
		return field.ErrorList{field.Invalid(nil, "", err.Error())}
	}
}

func toInt(v interface{}) int {
	switch t := v.(type) {
	case int:
		return t
	case int64:
		return int(t)
	case float64:
		return int(t)
	}
	return -1
}

// enumString renders an enum value the way Kubernetes lists supported values.
func enumString(v interface{}) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprintf("%v", v)
}

// parsePath turns a validator path ("spec.ports[0].name") into a field.Path.
func parsePath(s string) *field.Path {
	s = strings.TrimPrefix(s, ".")
	if s == "" {
		return nil
	}
	var p *field.Path
	for _, seg := range strings.Split(s, ".") {
		name, idx := seg, []int(nil)
		for strings.HasSuffix(name, "]") {
			open := strings.LastIndex(name, "[")
			if open < 0 {
				break
			}
			n, err := strconv.Atoi(name[open+1 : len(name)-1])
			if err != nil {
				break
			}
			idx = append([]int{n}, idx...)
			name = name[:open]
		}
		if p == nil {
			p = field.NewPath(name)
		} else {
			p = p.Child(name)
		}
		for _, i := range idx {
			p = p.Index(i)
		}
	}
	return p
}

// validateListTypes checks the uniqueness x-kubernetes-list-type set and map
// promise: no duplicate items in a set, no two items with the same keys in a
// map list.
func validateListTypes(p *field.Path, v interface{}, s *apiextv1.JSONSchemaProps) field.ErrorList {
	if s == nil {
		return nil
	}
	var errs field.ErrorList
	switch v := v.(type) {
	case map[string]interface{}:
		for key, cur := range v {
			if cs := childSchema(s, key); cs != nil {
				errs = append(errs, validateListTypes(p.Child(key), cur, cs)...)
			}
		}
	case []interface{}:
		items := itemsSchema(s)
		if s.XListType != nil {
			switch *s.XListType {
			case "set":
				for i := range v {
					for j := 0; j < i; j++ {
						if reflect.DeepEqual(v[i], v[j]) {
							errs = append(errs, field.Duplicate(p.Index(i), v[i]))
							break
						}
					}
				}
			case "map":
				seen := map[string]bool{}
				for i, item := range v {
					m, ok := item.(map[string]interface{})
					if !ok {
						continue
					}
					keys := map[string]interface{}{}
					for _, k := range s.XListMapKeys {
						kv, ok := m[k]
						if !ok && items != nil {
							if ks, ok2 := items.Properties[k]; ok2 && ks.Default != nil {
								kv, _ = defaultValue(ks.Default)
							}
						}
						keys[k] = kv
					}
					id := fmt.Sprintf("%#v", keys)
					if seen[id] {
						errs = append(errs, field.Duplicate(p.Index(i), keys))
						continue
					}
					seen[id] = true
				}
			}
		}
		for i, item := range v {
			errs = append(errs, validateListTypes(p.Index(i), item, items)...)
		}
	}
	return errs
}
