package openapi

import (
	"reflect"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// openAPITyper is how apimachinery types with custom JSON (Quantity,
// IntOrString, Time…) tell OpenAPI generators their wire type.
type openAPITyper interface {
	OpenAPISchemaType() []string
	OpenAPISchemaFormat() string
}

// openAPIV3OneOfTyper lists the alternatives of a type that is one of
// several JSON types, which OpenAPI v3 (unlike v2) can say.
type openAPIV3OneOfTyper interface {
	OpenAPIV3OneOfTypes() []string
}

// objectTypes are types with custom JSON that carry arbitrary objects.
var objectTypes = map[reflect.Type]bool{
	reflect.TypeOf(runtime.RawExtension{}): true,
	reflect.TypeOf(metav1.FieldsV1{}):      true,
}

// descriptions documents the special types, which have no SwaggerDoc.
var descriptions = map[reflect.Type]string{
	reflect.TypeOf(resource.Quantity{}): "Quantity is a fixed-point representation of a number, serialized as a string such as \"100m\", \"1.5Gi\" or \"2e3\". " +
		"Suffixes are binary SI (Ki, Mi, Gi, Ti, Pi, Ei), decimal SI (n, u, m, \"\", k, M, G, T, P, E) or a decimal exponent (e or E). " +
		"Values are canonicalized when written back, so \"1.5Gi\" may come back as \"1536Mi\".",
	reflect.TypeOf(intstr.IntOrString{}):                    "IntOrString is a value that can hold either an int32 or a string; in JSON it is whichever of the two it holds.",
	reflect.TypeOf(metav1.Time{}):                           "Time is a timestamp serialized as an RFC 3339 string with second precision.",
	reflect.TypeOf(metav1.MicroTime{}):                      "MicroTime is a timestamp serialized as an RFC 3339 string with microsecond precision.",
	reflect.TypeOf(metav1.Duration{}):                       "Duration is a time span serialized as a Go duration string, such as \"1h30m\" or \"10s\".",
	reflect.TypeOf(runtime.RawExtension{}):                  "RawExtension holds an embedded object of any kind, serialized as that object's own JSON.",
	reflect.TypeOf(metav1.FieldsV1{}):                       "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format: each key is a field selector (\"f:name\"), a list item (\"k:{...}\", \"v:...\", \"i:N\") or \".\" for the field itself, and each value is a nested set.",
	reflect.TypeOf(apiextv1.JSON{}):                         "JSON represents any valid JSON value: a boolean, a number, a string, an array, an object or null.",
	reflect.TypeOf(apiextv1.JSONSchemaPropsOrArray{}):       "JSONSchemaPropsOrArray is either a single JSONSchemaProps or an array of them.",
	reflect.TypeOf(apiextv1.JSONSchemaPropsOrBool{}):        "JSONSchemaPropsOrBool is either a JSONSchemaProps or a boolean; the boolean defaults to true.",
	reflect.TypeOf(apiextv1.JSONSchemaPropsOrStringArray{}): "JSONSchemaPropsOrStringArray is either a JSONSchemaProps or an array of strings.",
}

var typerType = reflect.TypeOf((*openAPITyper)(nil)).Elem()

// isSpecial reports whether t has a hand-made (not reflected) definition.
func isSpecial(t reflect.Type) bool {
	return objectTypes[t] || t.Implements(typerType) || reflect.PointerTo(t).Implements(typerType)
}

// specialSchema returns the definition of a type whose JSON is not its Go
// structure, and its v3 form when that differs.
func specialSchema(t reflect.Type) (v2, v3 *spec.Schema, ok bool) {
	if !isSpecial(t) {
		return nil, nil, false
	}
	s := &spec.Schema{}
	s.Description = descriptions[t]
	if d := swaggerDoc(t)[""]; d != "" {
		s.Description = d
	}
	if objectTypes[t] {
		s.Type = spec.StringOrArray{"object"}
		return s, nil, true
	}
	typer, isTyper := reflect.Zero(t).Interface().(openAPITyper)
	if !isTyper {
		typer = reflect.New(t).Interface().(openAPITyper)
	}
	s.Type = typer.OpenAPISchemaType()
	s.Format = typer.OpenAPISchemaFormat()
	if t == reflect.TypeOf(intstr.IntOrString{}) {
		s.AddExtension(extIntOrString, true)
	}
	if t == reflect.TypeOf(apiextv1.JSON{}) {
		s.AddExtension(extPreserve, true)
	}
	oneOf, isOneOf := typer.(openAPIV3OneOfTyper)
	if !isOneOf {
		return s, nil, true
	}
	alt := &spec.Schema{}
	*alt = *s
	alt.Type = nil
	for _, typ := range oneOf.OpenAPIV3OneOfTypes() {
		alt.OneOf = append(alt.OneOf, typed(typ, ""))
	}
	return s, alt, true
}
