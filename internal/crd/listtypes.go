package crd

import (
	"fmt"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// listAndMapTypes checks x-kubernetes-list-type, -list-map-keys and
// -map-type.
func listAndMapTypes(s *apiextv1.JSONSchemaProps, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.XListType != nil {
		lt := *s.XListType
		switch lt {
		case "atomic", "set", "map":
		default:
			errs = append(errs, field.NotSupported(p.Child("x-kubernetes-list-type"), lt, []string{"atomic", "set", "map"}))
		}
		if s.Type != "array" {
			errs = append(errs, field.Invalid(p.Child("type"), s.Type, "must be array if x-kubernetes-list-type is specified"))
		}
		items := itemsSchema(s)
		switch lt {
		case "set":
			if items != nil && items.Type == "object" && (items.XMapType == nil || *items.XMapType != "atomic") {
				errs = append(errs, field.Forbidden(p.Child("items").Child("x-kubernetes-map-type"), "must be atomic as item of a list with x-kubernetes-list-type=set"))
			}
			if items != nil && items.Type == "array" && (items.XListType == nil || *items.XListType != "atomic") {
				errs = append(errs, field.Forbidden(p.Child("items").Child("x-kubernetes-list-type"), "must be atomic as item of a list with x-kubernetes-list-type=set"))
			}
		case "map":
			if len(s.XListMapKeys) == 0 {
				errs = append(errs, field.Required(p.Child("x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map"))
			}
			if items != nil && items.Type != "object" {
				errs = append(errs, field.Invalid(p.Child("items").Child("type"), items.Type, "must be object if parent array's x-kubernetes-list-type is map"))
			}
			if items != nil && items.XMapType != nil && *items.XMapType == "atomic" {
				errs = append(errs, field.Invalid(p.Child("items").Child("x-kubernetes-map-type"), *items.XMapType, "must be granular if parent array's x-kubernetes-list-type is map"))
			}
			seen := map[string]bool{}
			for i, k := range s.XListMapKeys {
				kp := p.Child("x-kubernetes-list-map-keys").Index(i)
				if seen[k] {
					errs = append(errs, field.Duplicate(kp, k))
				}
				seen[k] = true
				if items == nil {
					continue
				}
				ks, ok := items.Properties[k]
				if !ok {
					errs = append(errs, field.Invalid(kp, k, "entries must all be names of item properties"))
					continue
				}
				if ks.Type != "string" && ks.Type != "integer" && ks.Type != "number" && ks.Type != "boolean" && !ks.XIntOrString {
					errs = append(errs, field.Invalid(p.Child("items").Child("properties").Key(k).Child("type"), ks.Type, "must be a scalar type if parent array's x-kubernetes-list-type is map"))
				}
				if ks.Default == nil && !contains(items.Required, k) {
					errs = append(errs, field.Required(p.Child("items").Child("required"), fmt.Sprintf("all map keys must be required or have a default value: %q is neither", k)))
				}
			}
		}
	}
	if len(s.XListMapKeys) > 0 && (s.XListType == nil || *s.XListType != "map") {
		errs = append(errs, field.Invalid(p.Child("x-kubernetes-list-type"), s.XListType, "must be map if x-kubernetes-list-map-keys is non-empty"))
	}
	if s.XMapType != nil {
		switch *s.XMapType {
		case "granular", "atomic":
		default:
			errs = append(errs, field.NotSupported(p.Child("x-kubernetes-map-type"), *s.XMapType, []string{"granular", "atomic"}))
		}
		if s.Type != "object" {
			errs = append(errs, field.Invalid(p.Child("type"), s.Type, "must be object if x-kubernetes-map-type is specified"))
		}
	}
	return errs
}
