package crd

import (
	"strconv"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateEmbedded checks x-kubernetes-embedded-resource objects inside a
// custom resource as Kubernetes does: apiVersion and kind are required and
// metadata, when present, holds a valid name, labels and annotations.
// (The handler checks the custom resource's own ObjectMeta.)
func validateEmbedded(p *field.Path, v interface{}, s *apiextv1.JSONSchemaProps, root bool) field.ErrorList {
	if s == nil || v == nil {
		return nil
	}
	var errs field.ErrorList
	switch val := v.(type) {
	case map[string]interface{}:
		if s.XEmbeddedResource && !root {
			errs = append(errs, embeddedTypeMeta(p, val)...)
		}
		for key, cv := range val {
			if (root || s.XEmbeddedResource) && key == "metadata" {
				continue
			}
			errs = append(errs, validateEmbedded(child(p, key), cv, childSchema(s, key), false)...)
		}
	case []interface{}:
		items := itemsSchema(s)
		for i, item := range val {
			errs = append(errs, validateEmbedded(p.Index(i), item, items, false)...)
		}
	}
	return errs
}

func child(p *field.Path, key string) *field.Path {
	if p == nil {
		return field.NewPath(key)
	}
	return p.Child(key)
}

func embeddedTypeMeta(p *field.Path, obj map[string]interface{}) field.ErrorList {
	var errs field.ErrorList
	for _, k := range []string{"apiVersion", "kind"} {
		s, _ := obj[k].(string)
		if s == "" {
			errs = append(errs, field.Required(child(p, k), "must not be empty"))
		}
	}
	meta, ok := obj["metadata"].(map[string]interface{})
	if !ok {
		return errs
	}
	mp := child(p, "metadata")
	if name, _ := meta["name"].(string); name != "" {
		for _, msg := range validation.NameIsDNSSubdomain(name, false) {
			errs = append(errs, field.Invalid(mp.Child("name"), name, msg))
		}
	}
	if labels, ok := stringMap(meta["labels"]); ok {
		errs = append(errs, metav1validation.ValidateLabels(labels, mp.Child("labels"))...)
	}
	if ann, ok := stringMap(meta["annotations"]); ok {
		errs = append(errs, validation.ValidateAnnotations(ann, mp.Child("annotations"))...)
	}
	return errs
}

func stringMap(v interface{}) (map[string]string, bool) {
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		switch t := e.(type) {
		case string:
			out[k] = t
		case int64:
			out[k] = strconv.FormatInt(t, 10)
		default:
			out[k] = ""
		}
	}
	return out, true
}
