package crd

import (
	"encoding/json"
	"fmt"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// toSpecSchema converts a CRD schema to the kube-openapi form, extensions
// (x-kubernetes-*) included. JSONSchemaProps and spec.Schema share their JSON
// shape, so a JSON round trip is the faithful conversion.
func toSpecSchema(p *apiextv1.JSONSchemaProps) (*spec.Schema, error) {
	if p == nil {
		return nil, nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("marshal schema: %w", err)
	}
	s := &spec.Schema{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("convert schema: %w", err)
	}
	return s, nil
}

// publishedSchema is the schema served in the OpenAPI documents: the CRD's
// schema with apiVersion, kind and metadata added at the root when the CRD
// does not spell them out, and the group-version-kind extension set.
func publishedSchema(p *apiextv1.JSONSchemaProps, group, version, kind string) (*spec.Schema, error) {
	s, err := toSpecSchema(p)
	if err != nil || s == nil {
		return s, err
	}
	if s.Properties == nil {
		s.Properties = map[string]spec.Schema{}
	}
	add := func(name, typ, desc string) {
		if _, ok := s.Properties[name]; ok {
			return
		}
		s.Properties[name] = spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{typ}, Description: desc}}
	}
	add("apiVersion", "string", "APIVersion defines the versioned schema of this representation of an object.")
	add("kind", "string", "Kind is a string value representing the REST resource this object represents.")
	add("metadata", "object", "Standard object's metadata.")
	s.AddExtension("x-kubernetes-group-version-kind", []interface{}{
		map[string]interface{}{"group": group, "version": version, "kind": kind},
	})
	return s, nil
}

// validationSchema is the schema the OpenAPI validator checks objects
// against. x-kubernetes-int-or-string becomes the type list
// ["integer","string"], which is how the validator reports a mismatch
// ("must be of type integer,string").
func validationSchema(p *apiextv1.JSONSchemaProps) (*spec.Schema, error) {
	s, err := toSpecSchema(p)
	if err != nil || s == nil {
		return s, err
	}
	fixIntOrString(s)
	return s, nil
}

func fixIntOrString(s *spec.Schema) {
	if s == nil {
		return
	}
	if v, ok := s.Extensions.GetBool("x-kubernetes-int-or-string"); ok && v && len(s.Type) == 0 && len(s.AnyOf) == 0 && len(s.OneOf) == 0 {
		s.Type = spec.StringOrArray{"integer", "string"}
	}
	for k, p := range s.Properties {
		fixIntOrString(&p)
		s.Properties[k] = p
	}
	if s.AdditionalProperties != nil {
		fixIntOrString(s.AdditionalProperties.Schema)
	}
	if s.Items != nil {
		fixIntOrString(s.Items.Schema)
		for i := range s.Items.Schemas {
			fixIntOrString(&s.Items.Schemas[i])
		}
	}
	for _, l := range [][]spec.Schema{s.AllOf, s.AnyOf, s.OneOf} {
		for i := range l {
			fixIntOrString(&l[i])
		}
	}
	fixIntOrString(s.Not)
}

// properties returns the child schema for key in an object schema: a named
// property, the additionalProperties schema, or nil when the key is unknown.
func childSchema(s *apiextv1.JSONSchemaProps, key string) *apiextv1.JSONSchemaProps {
	if s == nil {
		return nil
	}
	if p, ok := s.Properties[key]; ok {
		return &p
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		return s.AdditionalProperties.Schema
	}
	return nil
}

// itemsSchema returns the schema of an array's items.
func itemsSchema(s *apiextv1.JSONSchemaProps) *apiextv1.JSONSchemaProps {
	if s == nil || s.Items == nil {
		return nil
	}
	return s.Items.Schema
}

func preservesUnknown(s *apiextv1.JSONSchemaProps) bool {
	if s == nil {
		return false
	}
	if s.XPreserveUnknownFields != nil && *s.XPreserveUnknownFields {
		return true
	}
	return s.AdditionalProperties != nil && s.AdditionalProperties.Schema == nil && s.AdditionalProperties.Allows
}

// versionSchema returns the schema of a CRD version (nil when none).
func versionSchema(v *apiextv1.CustomResourceDefinitionVersion) *apiextv1.JSONSchemaProps {
	if v == nil || v.Schema == nil {
		return nil
	}
	return v.Schema.OpenAPIV3Schema
}
