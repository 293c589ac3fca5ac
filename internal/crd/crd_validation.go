package crd

import (
	"fmt"
	"reflect"
	"strings"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	columnTypes   = []string{"integer", "number", "string", "boolean", "date"}
	columnFormats = []string{"int32", "int64", "float", "double", "byte", "date", "date-time", "password"}
)

// validateCRD checks a CustomResourceDefinition as Kubernetes does on create.
func validateCRD(crd *apiextv1.CustomResourceDefinition) field.ErrorList {
	var errs field.ErrorList
	spec := &crd.Spec
	if want := spec.Names.Plural + "." + spec.Group; crd.Name != want {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), crd.Name, `must be spec.names.plural+"."+spec.group`))
	}
	errs = append(errs, validateSpec(spec, field.NewPath("spec"))...)
	return errs
}

func validateSpec(spec *apiextv1.CustomResourceDefinitionSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case spec.Group == "":
		errs = append(errs, field.Required(p.Child("group"), ""))
	case len(strings.Split(spec.Group, ".")) < 2:
		errs = append(errs, field.Invalid(p.Child("group"), spec.Group, "should be a domain with at least one dot"))
	default:
		for _, msg := range validation.IsDNS1123Subdomain(spec.Group) {
			errs = append(errs, field.Invalid(p.Child("group"), spec.Group, msg))
		}
	}
	switch spec.Scope {
	case "":
		errs = append(errs, field.Required(p.Child("scope"), ""))
	case apiextv1.ClusterScoped, apiextv1.NamespaceScoped:
	default:
		errs = append(errs, field.NotSupported(p.Child("scope"), spec.Scope, []string{string(apiextv1.ClusterScoped), string(apiextv1.NamespaceScoped)}))
	}
	errs = append(errs, validateNames(&spec.Names, p.Child("names"))...)
	if spec.PreserveUnknownFields {
		errs = append(errs, field.Invalid(p.Child("preserveUnknownFields"), true, "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"))
	}
	errs = append(errs, validateVersions(spec, p)...)
	errs = append(errs, validateConversion(spec.Conversion, p.Child("conversion"))...)
	return errs
}

// validateNames checks spec.names (and status.acceptedNames).
func validateNames(n *apiextv1.CustomResourceDefinitionNames, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	label := func(fp *field.Path, value string, required bool) {
		if value == "" {
			if required {
				errs = append(errs, field.Required(fp, ""))
			}
			return
		}
		if msgs := validation.IsDNS1035Label(value); len(msgs) > 0 {
			errs = append(errs, field.Invalid(fp, value, strings.Join(msgs, ",")))
		}
	}
	label(p.Child("plural"), n.Plural, true)
	label(p.Child("singular"), n.Singular, false)
	if n.Kind == "" {
		errs = append(errs, field.Required(p.Child("kind"), ""))
	} else if msgs := validation.IsDNS1035Label(strings.ToLower(n.Kind)); len(msgs) > 0 {
		errs = append(errs, field.Invalid(p.Child("kind"), n.Kind, "may have mixed case, but should otherwise match: "+strings.Join(msgs, ",")))
	}
	if n.ListKind == "" {
		errs = append(errs, field.Required(p.Child("listKind"), ""))
	} else if msgs := validation.IsDNS1035Label(strings.ToLower(n.ListKind)); len(msgs) > 0 {
		errs = append(errs, field.Invalid(p.Child("listKind"), n.ListKind, "may have mixed case, but should otherwise match: "+strings.Join(msgs, ",")))
	}
	if n.Kind != "" && n.Kind == n.ListKind {
		errs = append(errs, field.Invalid(p.Child("listKind"), n.ListKind, "kind and listKind may not be the same"))
	}
	for i, s := range n.ShortNames {
		label(p.Child("shortNames").Index(i), s, true)
	}
	for i, c := range n.Categories {
		label(p.Child("categories").Index(i), c, true)
	}
	return errs
}

// validateVersions checks spec.versions and what hangs off them. Where all
// versions carry identical schemas, subresources or printer columns,
// Kubernetes reports errors at the top-level fields they used to live in
// (spec.validation.openAPIV3Schema, spec.subresources,
// spec.additionalPrinterColumns); so do we.
func validateVersions(spec *apiextv1.CustomResourceDefinitionSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	vp := p.Child("versions")
	if len(spec.Versions) == 0 {
		return field.ErrorList{field.Invalid(vp, spec.Versions, "must have exactly one version marked as storage version")}
	}
	storage, seen := 0, map[string]bool{}
	for i, v := range spec.Versions {
		if v.Storage {
			storage++
		}
		if v.Name == "" {
			errs = append(errs, field.Required(vp.Index(i).Child("name"), ""))
		} else {
			for _, msg := range validation.IsDNS1035Label(v.Name) {
				errs = append(errs, field.Invalid(vp.Index(i).Child("name"), v.Name, msg))
			}
		}
		if seen[v.Name] {
			errs = append(errs, field.Invalid(vp, spec.Versions, "must contain unique version names"))
		}
		seen[v.Name] = true
	}
	if storage != 1 {
		errs = append(errs, field.Invalid(vp, spec.Versions, "must have exactly one version marked as storage version"))
	}

	same := func(get func(v *apiextv1.CustomResourceDefinitionVersion) interface{}) bool {
		first := get(&spec.Versions[0])
		for i := range spec.Versions[1:] {
			if !reflect.DeepEqual(first, get(&spec.Versions[i+1])) {
				return false
			}
		}
		return true
	}
	sameSchema := same(func(v *apiextv1.CustomResourceDefinitionVersion) interface{} { return v.Schema })
	sameSub := same(func(v *apiextv1.CustomResourceDefinitionVersion) interface{} { return v.Subresources })
	sameCols := same(func(v *apiextv1.CustomResourceDefinitionVersion) interface{} { return v.AdditionalPrinterColumns })

	for i := range spec.Versions {
		v := &spec.Versions[i]
		schemaPath := vp.Index(i).Child("schema", "openAPIV3Schema")
		subPath := vp.Index(i).Child("subresources")
		colsPath := vp.Index(i).Child("additionalPrinterColumns")
		if sameSchema {
			schemaPath = p.Child("validation", "openAPIV3Schema")
		}
		if sameSub {
			subPath = p.Child("subresources")
		}
		if sameCols {
			colsPath = p.Child("additionalPrinterColumns")
		}
		first := i == 0
		s := versionSchema(v)
		if first || !sameSchema {
			if s == nil {
				errs = append(errs, field.Required(schemaPath, "schemas are required"))
			} else {
				errs = append(errs, validateSchema(s, schemaPath)...)
			}
		}
		if first || !sameSub {
			errs = append(errs, validateSubresources(v.Subresources, s, subPath)...)
		}
		if first || !sameCols {
			errs = append(errs, validateColumns(v.AdditionalPrinterColumns, colsPath)...)
		}
		errs = append(errs, validateSelectableFields(v.SelectableFields, s, vp.Index(i).Child("selectableFields"))...)
	}
	return errs
}

// validateSchema checks one version schema: structural, defaults valid and
// pruned, CEL rules compile.
func validateSchema(s *apiextv1.JSONSchemaProps, p *field.Path) field.ErrorList {
	errs := validateStructural(s, p)
	if len(errs) > 0 {
		// Defaults and rules are only meaningful on a structural schema.
		return errs
	}
	errs = append(errs, validateDefaults(s, p, true)...)
	_, celErrs := compileCEL(s, p)
	return append(errs, celErrs...)
}

// validateDefaults checks every default against its schema and that it
// holds no fields pruning would drop.
func validateDefaults(s *apiextv1.JSONSchemaProps, p *field.Path, root bool) field.ErrorList {
	var errs field.ErrorList
	if s.Default != nil && !root {
		dp := p.Child("default")
		v, ok := defaultValue(s.Default)
		if !ok {
			errs = append(errs, field.Invalid(dp, string(s.Default.Raw), "must be valid JSON"))
		} else {
			if sv, err := newSchemaValidator(s); err == nil {
				errs = append(errs, sv.validate(dp, v)...)
			}
			if m, ok := v.(map[string]interface{}); ok {
				if removed := pruneValue(m, s); len(removed) > 0 {
					errs = append(errs, field.Invalid(dp, v, fmt.Sprintf("must not have unknown fields, got: %s", strings.Join(removed, ", "))))
				}
			}
		}
	}
	for _, name := range sortedKeys(s.Properties) {
		if root && name == "metadata" {
			continue
		}
		ps := s.Properties[name]
		errs = append(errs, validateDefaults(&ps, p.Child("properties").Key(name), false)...)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		errs = append(errs, validateDefaults(s.AdditionalProperties.Schema, p.Child("additionalProperties"), false)...)
	}
	if items := itemsSchema(s); items != nil {
		errs = append(errs, validateDefaults(items, p.Child("items"), false)...)
	}
	return errs
}

// pruneValue prunes a copy of an object value (not a resource root) and
// returns what would be removed.
func pruneValue(m map[string]interface{}, s *apiextv1.JSONSchemaProps) []string {
	p := pruner{}
	p.object(runtime.DeepCopyJSON(m), s, "", s.XEmbeddedResource)
	return p.removed
}

// validateCRDUpdate adds the checks that compare with the stored CRD.
func validateCRDUpdate(crd, old *apiextv1.CustomResourceDefinition) field.ErrorList {
	errs := validateCRD(crd)
	if crd.Spec.Scope != old.Spec.Scope {
		errs = append(errs, field.Invalid(field.NewPath("spec", "scope"), crd.Spec.Scope, "field is immutable"))
	}
	if crd.Spec.Group != old.Spec.Group {
		errs = append(errs, field.Invalid(field.NewPath("spec", "group"), crd.Spec.Group, "field is immutable"))
	}
	errs = append(errs, validateStoredVersions(crd, field.NewPath("status", "storedVersions"), false)...)
	return errs
}

// validateStoredVersions checks status.storedVersions: every entry still a
// version of the CRD, and (on status writes) non-empty and holding the
// storage version.
func validateStoredVersions(crd *apiextv1.CustomResourceDefinition, p *field.Path, status bool) field.ErrorList {
	var errs field.ErrorList
	stored := crd.Status.StoredVersions
	if status && len(stored) == 0 {
		return field.ErrorList{field.Invalid(p, stored, "must have at least one stored version")}
	}
	versions := map[string]bool{}
	for _, v := range crd.Spec.Versions {
		versions[v.Name] = true
	}
	for i, v := range stored {
		if !versions[v] {
			errs = append(errs, field.Invalid(p.Index(i), v, "must appear in spec.versions"))
		}
	}
	if sv := storageVersion(crd); status && sv != "" && !contains(stored, sv) {
		errs = append(errs, field.Invalid(p, stored, "must have the storage version "+sv))
	}
	return errs
}
