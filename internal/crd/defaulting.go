package crd

import (
	"bytes"
	"encoding/json"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// applyDefaults sets the schema's default values in obj, top down: a missing
// property with a default gets a copy of it (and is then defaulted itself),
// as does a null property that is not nullable. Null properties that are not
// nullable and have no default are removed, as Kubernetes does before
// defaulting. Array items and additionalProperties values are defaulted with
// their schemas; objects that do not exist are not created.
func applyDefaults(v interface{}, s *apiextv1.JSONSchemaProps) {
	if s == nil {
		return
	}
	switch v := v.(type) {
	case map[string]interface{}:
		for key, ps := range s.Properties {
			ps := ps
			cur, present := v[key]
			if present && cur == nil && !ps.Nullable {
				if ps.Default == nil {
					delete(v, key)
					continue
				}
				present = false
			}
			if !present && ps.Default != nil {
				d, ok := defaultValue(ps.Default)
				if !ok {
					continue
				}
				v[key] = d
			}
			if cur, ok := v[key]; ok {
				applyDefaults(cur, &ps)
			}
		}
		if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
			as := s.AdditionalProperties.Schema
			for key, cur := range v {
				if _, declared := s.Properties[key]; declared {
					continue
				}
				if cur == nil && !as.Nullable && as.Default != nil {
					if d, ok := defaultValue(as.Default); ok {
						v[key] = d
						cur = d
					}
				}
				applyDefaults(cur, as)
			}
		}
	case []interface{}:
		items := itemsSchema(s)
		if items == nil {
			return
		}
		for i, item := range v {
			if item == nil && !items.Nullable && items.Default != nil {
				if d, ok := defaultValue(items.Default); ok {
					v[i] = d
					item = d
				}
			}
			applyDefaults(item, items)
		}
	}
}

// defaultValue decodes a schema default into the unstructured form (int64
// for integers, float64 otherwise), a fresh copy each time.
func defaultValue(j *apiextv1.JSON) (interface{}, bool) {
	if j == nil || len(j.Raw) == 0 {
		return nil, false
	}
	v, err := jsonValue(j.Raw)
	return v, err == nil
}

// jsonValue decodes raw JSON the way unstructured objects hold values:
// numbers written without fraction or exponent become int64.
func jsonValue(raw []byte) (interface{}, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v interface{}
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return fromNumbers(v), nil
}

func fromNumbers(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, e := range t {
			t[k] = fromNumbers(e)
		}
		return t
	case []interface{}:
		for i, e := range t {
			t[i] = fromNumbers(e)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	default:
		return v
	}
}
