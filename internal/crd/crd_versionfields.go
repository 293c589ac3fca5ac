package crd

import (
	"fmt"
	"strings"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Checks of what hangs off a CRD version besides its schema: scale paths,
// printer columns, selectable fields, and the conversion strategy.

func validateSubresources(sub *apiextv1.CustomResourceSubresources, s *apiextv1.JSONSchemaProps, p *field.Path) field.ErrorList {
	if sub == nil || sub.Scale == nil {
		return nil
	}
	var errs field.ErrorList
	sp := p.Child("scale")
	sc := sub.Scale
	check := func(fp *field.Path, path string, required bool, prefixes ...string) {
		if path == "" {
			if required {
				errs = append(errs, field.Required(fp, ""))
			}
			return
		}
		if _, err := parseColumnPath("scale", path); err != nil || !strings.HasPrefix(path, ".") || strings.ContainsAny(path, "[]*@?()") {
			errs = append(errs, field.Invalid(fp, path, "must be a simple json path starting with ."))
			return
		}
		ok := false
		for _, pre := range prefixes {
			if strings.HasPrefix(path, pre) {
				ok = true
			}
		}
		if !ok {
			under := strings.Join(trimDots(prefixes), " or ")
			if len(prefixes) > 1 {
				under = "either " + under
			}
			errs = append(errs, field.Invalid(fp, path, "should be a json path under "+under))
		}
	}
	check(sp.Child("specReplicasPath"), sc.SpecReplicasPath, true, ".spec.")
	check(sp.Child("statusReplicasPath"), sc.StatusReplicasPath, true, ".status.")
	if sc.LabelSelectorPath != nil {
		check(sp.Child("labelSelectorPath"), *sc.LabelSelectorPath, false, ".spec.", ".status.")
	}
	if s != nil && sc.SpecReplicasPath != "" && strings.HasPrefix(sc.SpecReplicasPath, ".spec.") {
		if t := schemaAt(s, sc.SpecReplicasPath); t != nil && t.Type != "integer" {
			errs = append(errs, field.Invalid(sp.Child("specReplicasPath"), sc.SpecReplicasPath, "should be a json path to a field of type integer"))
		}
	}
	return errs
}

func trimDots(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strings.TrimSuffix(s, ".")
	}
	return out
}

// schemaAt returns the schema at a dotted path, or nil where the schema
// does not say (undeclared or preserved fields).
func schemaAt(s *apiextv1.JSONSchemaProps, path string) *apiextv1.JSONSchemaProps {
	cur := s
	for _, seg := range splitDotted(path) {
		cur = childSchema(cur, seg)
		if cur == nil {
			return nil
		}
	}
	return cur
}

func validateColumns(cols []apiextv1.CustomResourceColumnDefinition, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range cols {
		cp := p.Index(i)
		if c.Name == "" {
			errs = append(errs, field.Required(cp.Child("name"), ""))
		}
		if c.Type == "" {
			errs = append(errs, field.Required(cp.Child("type"), fmt.Sprintf("must be one of %s", strings.Join(columnTypes, ", "))))
		} else if !contains(columnTypes, c.Type) {
			errs = append(errs, field.NotSupported(cp.Child("type"), c.Type, columnTypes))
		}
		if c.Format != "" && !contains(columnFormats, c.Format) {
			errs = append(errs, field.NotSupported(cp.Child("format"), c.Format, columnFormats))
		}
		if c.Priority < 0 {
			errs = append(errs, field.Invalid(cp.Child("priority"), c.Priority, "must be greater than or equal to 0"))
		}
		if c.JSONPath == "" {
			errs = append(errs, field.Required(cp.Child("jsonPath"), ""))
		} else if _, err := parseColumnPath(c.Name, c.JSONPath); err != nil || !strings.HasPrefix(c.JSONPath, ".") {
			errs = append(errs, field.Invalid(cp.Child("jsonPath"), c.JSONPath, "must be a simple json path starting with ."))
		}
	}
	return errs
}

func validateSelectableFields(sfs []apiextv1.SelectableField, s *apiextv1.JSONSchemaProps, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(sfs) > 8 {
		errs = append(errs, field.TooMany(p, len(sfs), 8))
	}
	seen := map[string]bool{}
	for i, sf := range sfs {
		fp := p.Index(i).Child("jsonPath")
		if sf.JSONPath == "" {
			errs = append(errs, field.Required(fp, ""))
			continue
		}
		if !strings.HasPrefix(sf.JSONPath, ".") || strings.ContainsAny(sf.JSONPath, "[]*@?()") {
			errs = append(errs, field.Invalid(fp, sf.JSONPath, "must be a simple json path starting with ."))
			continue
		}
		if seen[sf.JSONPath] {
			errs = append(errs, field.Duplicate(fp, sf.JSONPath))
		}
		seen[sf.JSONPath] = true
		if s != nil {
			t := schemaAt(s, sf.JSONPath)
			switch {
			case t == nil:
				errs = append(errs, field.Invalid(fp, sf.JSONPath, "is an invalid path: does not refer to a valid field"))
			case t.Type != "string" && t.Type != "integer" && t.Type != "boolean":
				errs = append(errs, field.Invalid(fp, sf.JSONPath, "selectable fields must be of type string, integer or boolean"))
			}
		}
	}
	return errs
}

func validateConversion(c *apiextv1.CustomResourceConversion, p *field.Path) field.ErrorList {
	if c == nil {
		return nil
	}
	var errs field.ErrorList
	switch c.Strategy {
	case apiextv1.NoneConverter:
		if c.Webhook != nil {
			errs = append(errs, field.Forbidden(p.Child("webhook"), "should not be set when strategy is not set to Webhook"))
		}
	case apiextv1.WebhookConverter:
		if c.Webhook == nil {
			errs = append(errs, field.Required(p.Child("webhook"), "required when strategy is set to Webhook"))
			break
		}
		if c.Webhook.ClientConfig == nil {
			errs = append(errs, field.Required(p.Child("webhook", "clientConfig"), "required when strategy is set to Webhook"))
		} else if (c.Webhook.ClientConfig.URL == nil) == (c.Webhook.ClientConfig.Service == nil) {
			errs = append(errs, field.Required(p.Child("webhook", "clientConfig"), "exactly one of url or service is required"))
		}
		if len(c.Webhook.ConversionReviewVersions) == 0 {
			errs = append(errs, field.Required(p.Child("webhook", "conversionReviewVersions"), "must include at least one of v1, v1beta1"))
		}
	case "":
		errs = append(errs, field.Required(p.Child("strategy"), ""))
	default:
		errs = append(errs, field.NotSupported(p.Child("strategy"), c.Strategy, []string{string(apiextv1.NoneConverter), string(apiextv1.WebhookConverter)}))
	}
	return errs
}
