package crd

import (
	"sort"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateStructural checks that a version's schema is structural, as
// Kubernetes requires of apiextensions.k8s.io/v1 CRDs: a type at the root
// (object) and on every specified field, no unsupported JSON-Schema
// constructs, value validations (allOf, anyOf, oneOf, not) that only
// constrain, and consistent x-kubernetes-* extensions. Messages follow
// Kubernetes'.
func validateStructural(s *apiextv1.JSONSchemaProps, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch s.Type {
	case "":
		errs = append(errs, field.Required(p.Child("type"), "must not be empty at the root"))
	case "object":
	default:
		errs = append(errs, field.Invalid(p.Child("type"), s.Type, "must be object at the root"))
	}
	if s.Nullable {
		errs = append(errs, field.Forbidden(p.Child("nullable"), "must be false at the root"))
	}
	if s.XEmbeddedResource {
		errs = append(errs, field.Forbidden(p.Child("x-kubernetes-embedded-resource"), "must not be used at the root"))
	}
	if s.Default != nil {
		errs = append(errs, field.Forbidden(p.Child("default"), "must not be set at the root"))
	}
	if meta, ok := s.Properties["metadata"]; ok {
		errs = append(errs, validateMetadataSchema(&meta, p.Child("properties").Key("metadata"))...)
	}
	errs = append(errs, structuralNode(s, p, "")...)
	return errs
}

// validateMetadataSchema allows at most type: object and string name and
// generateName constraints for metadata at the root.
func validateMetadataSchema(m *apiextv1.JSONSchemaProps, p *field.Path) field.ErrorList {
	rest := *m
	rest.Type, rest.Properties = "", nil
	rest.Description = ""
	only := len(m.Properties) == 0 || func() bool {
		for k := range m.Properties {
			if k != "name" && k != "generateName" {
				return false
			}
		}
		return true
	}()
	if (m.Type != "" && m.Type != "object") || !only || !isEmptySchema(&rest) {
		return field.ErrorList{field.Forbidden(p, "must not specify anything other than name and generateName, but metadata is implicitly specified")}
	}
	return nil
}

func isEmptySchema(s *apiextv1.JSONSchemaProps) bool {
	empty := apiextv1.JSONSchemaProps{}
	b1, _ := s.Marshal()
	b2, _ := empty.Marshal()
	return string(b1) == string(b2)
}

var schemaTypes = []string{"array", "boolean", "integer", "number", "object", "string"}

// structuralNode checks one node of the structural part. kind says what
// the node is to its parent, for the message when its type is missing:
// "" (root), "field" or "item".
func structuralNode(s *apiextv1.JSONSchemaProps, p *field.Path, kind string) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, forbiddenKeywords(s, p)...)

	preserve := s.XPreserveUnknownFields != nil && *s.XPreserveUnknownFields
	if s.XPreserveUnknownFields != nil && !*s.XPreserveUnknownFields {
		errs = append(errs, field.Invalid(p.Child("x-kubernetes-preserve-unknown-fields"), false, "must be true or undefined"))
	}
	switch {
	case s.Type == "" && kind != "" && !s.XIntOrString && !preserve:
		if kind == "item" {
			errs = append(errs, field.Required(p.Child("type"), "must not be empty for specified array items"))
		} else {
			errs = append(errs, field.Required(p.Child("type"), "must not be empty for specified object fields"))
		}
	case s.Type != "" && !contains(schemaTypes, s.Type):
		errs = append(errs, field.NotSupported(p.Child("type"), s.Type, schemaTypes))
	}
	if s.XIntOrString && s.Type != "" {
		errs = append(errs, field.Invalid(p.Child("type"), s.Type, "must be empty if x-kubernetes-int-or-string is true"))
	}
	if s.XEmbeddedResource {
		if s.Type != "object" {
			errs = append(errs, field.Invalid(p.Child("type"), s.Type, "must be object if x-kubernetes-embedded-resource is true"))
		}
		if len(s.Properties) == 0 && !preserve {
			errs = append(errs, field.Required(p.Child("x-kubernetes-preserve-unknown-fields"), "must be true if x-kubernetes-embedded-resource is true and properties are empty"))
		}
	}
	if s.AdditionalProperties != nil {
		if len(s.Properties) > 0 {
			errs = append(errs, field.Forbidden(p.Child("additionalProperties"), "additionalProperties and properties are mutual exclusive"))
		}
		if s.AdditionalProperties.Schema == nil && !s.AdditionalProperties.Allows {
			errs = append(errs, field.Forbidden(p.Child("additionalProperties"), "additionalProperties cannot be set to false"))
		}
	}
	if (len(s.Properties) > 0 || s.AdditionalProperties != nil) && s.Type != "" && s.Type != "object" {
		errs = append(errs, field.Invalid(p.Child("type"), s.Type, "must be object if properties or additionalProperties are specified"))
	}
	if s.Items != nil {
		if len(s.Items.JSONSchemas) > 0 {
			errs = append(errs, field.Forbidden(p.Child("items"), "items must be a schema object and not an array"))
		}
		if s.Type != "" && s.Type != "array" {
			errs = append(errs, field.Invalid(p.Child("type"), s.Type, "must be array if items are specified"))
		}
	} else if s.Type == "array" {
		errs = append(errs, field.Required(p.Child("items"), "must be specified"))
	}
	errs = append(errs, listAndMapTypes(s, p)...)

	for _, name := range sortedKeys(s.Properties) {
		ps := s.Properties[name]
		errs = append(errs, structuralNode(&ps, p.Child("properties").Key(name), "field")...)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		errs = append(errs, structuralNode(s.AdditionalProperties.Schema, p.Child("additionalProperties"), "field")...)
	}
	if s.Items != nil && s.Items.Schema != nil {
		errs = append(errs, structuralNode(s.Items.Schema, p.Child("items"), "item")...)
	}
	// With x-kubernetes-int-or-string, anyOf/allOf branches may name the
	// integer and string types (the shape controller-gen emits).
	intOrString := func(b *apiextv1.JSONSchemaProps) *apiextv1.JSONSchemaProps {
		if s.XIntOrString && (b.Type == "integer" || b.Type == "string") {
			c := *b
			c.Type = ""
			return &c
		}
		return b
	}
	for i := range s.AllOf {
		errs = append(errs, valueValidation(intOrString(&s.AllOf[i]), s, p.Child("allOf").Index(i))...)
	}
	for i := range s.AnyOf {
		errs = append(errs, valueValidation(intOrString(&s.AnyOf[i]), s, p.Child("anyOf").Index(i))...)
	}
	for i := range s.OneOf {
		errs = append(errs, valueValidation(&s.OneOf[i], s, p.Child("oneOf").Index(i))...)
	}
	if s.Not != nil {
		errs = append(errs, valueValidation(s.Not, s, p.Child("not"))...)
	}
	return errs
}

// forbiddenKeywords reports JSON-Schema keywords CRDs do not support.
func forbiddenKeywords(s *apiextv1.JSONSchemaProps, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Ref != nil && *s.Ref != "" {
		errs = append(errs, field.Forbidden(p.Child("$ref"), "$ref is not supported"))
	}
	if s.ID != "" {
		errs = append(errs, field.Forbidden(p.Child("id"), "id is not supported"))
	}
	if s.Schema != "" {
		errs = append(errs, field.Forbidden(p.Child("$schema"), "$schema is not supported"))
	}
	if len(s.Definitions) > 0 {
		errs = append(errs, field.Forbidden(p.Child("definitions"), "definitions is not supported"))
	}
	if len(s.Dependencies) > 0 {
		errs = append(errs, field.Forbidden(p.Child("dependencies"), "dependencies is not supported"))
	}
	if len(s.PatternProperties) > 0 {
		errs = append(errs, field.Forbidden(p.Child("patternProperties"), "patternProperties is not supported"))
	}
	if s.AdditionalItems != nil {
		errs = append(errs, field.Forbidden(p.Child("additionalItems"), "additionalItems is not supported"))
	}
	if s.UniqueItems {
		errs = append(errs, field.Forbidden(p.Child("uniqueItems"), "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"))
	}
	return errs
}

// valueValidation checks an allOf/anyOf/oneOf/not branch: it may only
// constrain values, so it must not carry types, defaults, descriptions,
// nullable or extensions, and may only name properties and items the
// structural part (base) declares.
func valueValidation(s, base *apiextv1.JSONSchemaProps, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, forbiddenKeywords(s, p)...)
	if s.Type != "" {
		errs = append(errs, field.Forbidden(p.Child("type"), "must be empty to be structural"))
	}
	if s.Default != nil {
		errs = append(errs, field.Forbidden(p.Child("default"), "must be undefined to be structural"))
	}
	if s.Description != "" {
		errs = append(errs, field.Forbidden(p.Child("description"), "must be empty to be structural"))
	}
	if s.Title != "" {
		errs = append(errs, field.Forbidden(p.Child("title"), "must be empty to be structural"))
	}
	if s.Nullable {
		errs = append(errs, field.Forbidden(p.Child("nullable"), "must be false to be structural"))
	}
	if s.AdditionalProperties != nil {
		errs = append(errs, field.Forbidden(p.Child("additionalProperties"), "must be undefined to be structural"))
	}
	for _, ext := range []struct {
		name string
		set  bool
	}{
		{"x-kubernetes-preserve-unknown-fields", s.XPreserveUnknownFields != nil},
		{"x-kubernetes-embedded-resource", s.XEmbeddedResource},
		{"x-kubernetes-int-or-string", s.XIntOrString},
		{"x-kubernetes-list-type", s.XListType != nil},
		{"x-kubernetes-list-map-keys", len(s.XListMapKeys) > 0},
		{"x-kubernetes-map-type", s.XMapType != nil},
		{"x-kubernetes-validations", len(s.XValidations) > 0},
	} {
		if ext.set {
			errs = append(errs, field.Forbidden(p.Child(ext.name), "must be undefined to be structural"))
		}
	}
	for _, name := range sortedKeys(s.Properties) {
		ps := s.Properties[name]
		var bs *apiextv1.JSONSchemaProps
		if base != nil {
			if b, ok := base.Properties[name]; ok {
				bs = &b
			} else if base.AdditionalProperties != nil {
				bs = base.AdditionalProperties.Schema
			}
		}
		if bs == nil && (base == nil || !preservesUnknown(base)) {
			errs = append(errs, field.Required(p.Child("properties").Key(name), "must have a properties["+name+"] in the structural schema"))
		}
		errs = append(errs, valueValidation(&ps, bs, p.Child("properties").Key(name))...)
	}
	if s.Items != nil && s.Items.Schema != nil {
		errs = append(errs, valueValidation(s.Items.Schema, itemsSchema(base), p.Child("items"))...)
	}
	for i := range s.AllOf {
		errs = append(errs, valueValidation(&s.AllOf[i], base, p.Child("allOf").Index(i))...)
	}
	for i := range s.AnyOf {
		errs = append(errs, valueValidation(&s.AnyOf[i], base, p.Child("anyOf").Index(i))...)
	}
	for i := range s.OneOf {
		errs = append(errs, valueValidation(&s.OneOf[i], base, p.Child("oneOf").Index(i))...)
	}
	if s.Not != nil {
		errs = append(errs, valueValidation(s.Not, base, p.Child("not"))...)
	}
	return errs
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]apiextv1.JSONSchemaProps) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
