package crd

import (
	"strings"
	"testing"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"
)

func validateErrs(c *apiextv1.CustomResourceDefinition) []string {
	r := Rules()[apiextv1.SchemeGroupVersion.WithKind("CustomResourceDefinition")]
	r.Default(c)
	var out []string
	for _, e := range r.Validate(c) {
		out = append(out, e.Error())
	}
	return out
}

func TestCRDDefaults(t *testing.T) {
	c := mustCRD(t, widgetCRD)
	c.Spec.Names.Singular, c.Spec.Names.ListKind = "", ""
	r := Rules()[apiextv1.SchemeGroupVersion.WithKind("CustomResourceDefinition")]
	r.Default(c)
	if c.Spec.Names.Singular != "widget" || c.Spec.Names.ListKind != "WidgetList" || c.Spec.Conversion == nil || c.Spec.Conversion.Strategy != apiextv1.NoneConverter {
		t.Fatalf("defaults: %+v %+v", c.Spec.Names, c.Spec.Conversion)
	}
	c.Status.Conditions = []apiextv1.CustomResourceDefinitionCondition{{Type: apiextv1.Established, Status: apiextv1.ConditionTrue}}
	r.PrepareForCreate(c)
	if len(c.Status.Conditions) != 0 || !equalStrings(c.Status.StoredVersions, []string{"v1"}) || !equalStrings(c.Finalizers, []string{CleanupFinalizer}) {
		t.Fatalf("prepared: %+v %v", c.Status, c.Finalizers)
	}
	next := c.DeepCopy()
	next.Spec.Versions[0].Storage = false
	v2 := c.Spec.Versions[0].DeepCopy()
	v2.Name, v2.Storage = "v2", true
	next.Spec.Versions = append(next.Spec.Versions, *v2)
	next.Status = apiextv1.CustomResourceDefinitionStatus{}
	r.PrepareForUpdate(next, c)
	if !equalStrings(next.Status.StoredVersions, []string{"v1", "v2"}) {
		t.Fatalf("stored versions %v", next.Status.StoredVersions)
	}
	if errs := r.ValidateUpdate(next, c); len(errs) != 0 {
		t.Fatalf("update errors %v", errs)
	}
}

func TestCRDValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *apiextv1.CustomResourceDefinition)
		want   []string // substrings, one per expected error, in order
	}{
		{name: "valid", mutate: func(c *apiextv1.CustomResourceDefinition) {}},
		{name: "name must match", mutate: func(c *apiextv1.CustomResourceDefinition) { c.Name = "things.example.com" },
			want: []string{`metadata.name: Invalid value: "things.example.com": must be spec.names.plural+"."+spec.group`}},
		{name: "group needs a dot", mutate: func(c *apiextv1.CustomResourceDefinition) { c.Spec.Group = "example"; c.Name = "widgets.example" },
			want: []string{`spec.group: Invalid value: "example": should be a domain with at least one dot`}},
		{name: "scope", mutate: func(c *apiextv1.CustomResourceDefinition) { c.Spec.Scope = "Global" },
			want: []string{`spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"`}},
		{name: "plural not a label", mutate: func(c *apiextv1.CustomResourceDefinition) {
			c.Spec.Names.Plural = "Widgets"
			c.Name = "Widgets.example.com"
		}, want: []string{`spec.names.plural: Invalid value: "Widgets": a DNS-1035 label must consist of lower case`}},
		{name: "kind equals listKind", mutate: func(c *apiextv1.CustomResourceDefinition) { c.Spec.Names.ListKind = "Widget" },
			want: []string{`spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same`}},
		{name: "no storage version", mutate: func(c *apiextv1.CustomResourceDefinition) { c.Spec.Versions[0].Storage = false },
			want: []string{"spec.versions: Invalid value: ", "must have exactly one version marked as storage version"}},
		{name: "two storage versions, duplicate names", mutate: func(c *apiextv1.CustomResourceDefinition) {
			c.Spec.Versions = append(c.Spec.Versions, c.Spec.Versions[0])
		}, want: []string{"must contain unique version names", "must have exactly one version marked as storage version"}},
		{name: "schema required", mutate: func(c *apiextv1.CustomResourceDefinition) { c.Spec.Versions[0].Schema = nil },
			want: []string{"spec.validation.openAPIV3Schema: Required value: schemas are required"}},
		{name: "per-version paths when schemas differ", mutate: func(c *apiextv1.CustomResourceDefinition) {
			v2 := c.Spec.Versions[0].DeepCopy()
			v2.Name, v2.Storage = "v2", false
			v2.Schema.OpenAPIV3Schema.Type = ""
			c.Spec.Versions = append(c.Spec.Versions, *v2)
		}, want: []string{"spec.versions[1].schema.openAPIV3Schema.type: Required value: must not be empty at the root"}},
		{name: "root must be object", mutate: func(c *apiextv1.CustomResourceDefinition) { c.Spec.Versions[0].Schema.OpenAPIV3Schema.Type = "string" },
			want: []string{`spec.validation.openAPIV3Schema.type: Invalid value: "string": must be object at the root`}},
		{name: "field type required", mutate: func(c *apiextv1.CustomResourceDefinition) {
			setProp(c, "spec", apiextv1.JSONSchemaProps{Properties: map[string]apiextv1.JSONSchemaProps{"size": {Type: "integer"}}})
		}, want: []string{"spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"}},
		{name: "array items required", mutate: func(c *apiextv1.CustomResourceDefinition) {
			setProp(c, "list", apiextv1.JSONSchemaProps{Type: "array"})
		}, want: []string{"spec.validation.openAPIV3Schema.properties[list].items: Required value: must be specified"}},
		{name: "metadata schema", mutate: func(c *apiextv1.CustomResourceDefinition) {
			setProp(c, "metadata", apiextv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextv1.JSONSchemaProps{"labels": {Type: "object"}}})
		}, want: []string{"spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"}},
		{name: "forbidden constructs", mutate: func(c *apiextv1.CustomResourceDefinition) {
			setProp(c, "x", apiextv1.JSONSchemaProps{Type: "array", UniqueItems: true, Items: &apiextv1.JSONSchemaPropsOrArray{Schema: &apiextv1.JSONSchemaProps{Type: "string"}}})
			setProp(c, "y", apiextv1.JSONSchemaProps{Type: "object", Ref: ptr.To("#/definitions/a")})
			setProp(c, "z", apiextv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(false)})
		}, want: []string{
			"properties[x].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
			"properties[y].$ref: Forbidden: $ref is not supported",
			"properties[z].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined",
		}},
		{name: "value validation must not carry types", mutate: func(c *apiextv1.CustomResourceDefinition) {
			setProp(c, "v", apiextv1.JSONSchemaProps{Type: "string", AnyOf: []apiextv1.JSONSchemaProps{{Type: "string"}}})
		}, want: []string{"properties[v].anyOf[0].type: Forbidden: must be empty to be structural"}},
		{name: "int-or-string with anyOf (controller-gen shape)", mutate: func(c *apiextv1.CustomResourceDefinition) {
			setProp(c, "port", apiextv1.JSONSchemaProps{XIntOrString: true, AnyOf: []apiextv1.JSONSchemaProps{{Type: "integer"}, {Type: "string"}}})
		}},
		{name: "invalid default", mutate: func(c *apiextv1.CustomResourceDefinition) {
			setProp(c, "n", apiextv1.JSONSchemaProps{Type: "integer", Minimum: ptr.To(1.0), Default: &apiextv1.JSON{Raw: []byte("0")}})
		}, want: []string{"spec.validation.openAPIV3Schema.properties[n].default: Invalid value: 0: spec.validation.openAPIV3Schema.properties[n].default in body should be greater than or equal to 1"}},
		{name: "list-type map needs keys", mutate: func(c *apiextv1.CustomResourceDefinition) {
			setProp(c, "l", apiextv1.JSONSchemaProps{Type: "array", XListType: ptr.To("map"), Items: &apiextv1.JSONSchemaPropsOrArray{Schema: &apiextv1.JSONSchemaProps{Type: "object"}}})
		}, want: []string{"properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"}},
		{name: "CEL compile error", mutate: func(c *apiextv1.CustomResourceDefinition) {
			s := c.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
			s.XValidations = apiextv1.ValidationRules{{Rule: "self.colour == 'red'"}}
			setProp(c, "spec", s)
		}, want: []string{"spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: ", "compilation failed: ERROR: <input>:1:5: undefined field 'colour'"}},
		{name: "printer column", mutate: func(c *apiextv1.CustomResourceDefinition) {
			c.Spec.Versions[0].AdditionalPrinterColumns = []apiextv1.CustomResourceColumnDefinition{{Name: "X", Type: "text", JSONPath: "spec.x"}}
		}, want: []string{
			`spec.additionalPrinterColumns[0].type: Unsupported value: "text"`,
			`spec.additionalPrinterColumns[0].jsonPath: Invalid value: "spec.x": must be a simple json path starting with .`,
		}},
		{name: "scale paths", mutate: func(c *apiextv1.CustomResourceDefinition) {
			c.Spec.Versions[0].Subresources.Scale = &apiextv1.CustomResourceSubresourceScale{SpecReplicasPath: ".status.replicas", StatusReplicasPath: ".status.replicas", LabelSelectorPath: ptr.To(".metadata.labels")}
		}, want: []string{
			`spec.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec`,
			`spec.subresources.scale.labelSelectorPath: Invalid value: ".metadata.labels": should be a json path under either .spec or .status`,
		}},
		{name: "preserveUnknownFields", mutate: func(c *apiextv1.CustomResourceDefinition) { c.Spec.PreserveUnknownFields = true },
			want: []string{"spec.preserveUnknownFields: Invalid value: true: cannot set to true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCRD(t, widgetCRD)
			tt.mutate(c)
			got := validateErrs(c)
			joined := strings.Join(got, "\n")
			for _, w := range tt.want {
				if !strings.Contains(joined, w) {
					t.Errorf("missing %q in\n%s", w, joined)
				}
			}
			if len(tt.want) == 0 && len(got) > 0 {
				t.Errorf("unexpected errors:\n%s", joined)
			}
		})
	}
}

func setProp(c *apiextv1.CustomResourceDefinition, name string, s apiextv1.JSONSchemaProps) {
	c.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties[name] = s
}

func TestCRDUpdateValidation(t *testing.T) {
	old := mustCRD(t, widgetCRD)
	r := Rules()[apiextv1.SchemeGroupVersion.WithKind("CustomResourceDefinition")]
	r.Default(old)
	r.PrepareForCreate(old)

	next := old.DeepCopy()
	next.Spec.Scope = apiextv1.ClusterScoped
	errs := r.ValidateUpdate(next, old)
	if len(errs) != 1 || errs[0].Error() != `spec.scope: Invalid value: "Cluster": field is immutable` {
		t.Fatalf("scope change: %v", errs)
	}

	// Dropping a version that objects may be stored in is refused.
	withV2 := old.DeepCopy()
	withV2.Status.StoredVersions = []string{"v0", "v1"}
	errs = r.ValidateUpdate(withV2, withV2)
	if len(errs) != 1 || errs[0].Error() != `status.storedVersions[0]: Invalid value: "v0": must appear in spec.versions` {
		t.Fatalf("stored versions: %v", errs)
	}

	status := old.DeepCopy()
	status.Status.StoredVersions = nil
	if errs := r.ValidateStatusUpdate(status, old); len(errs) != 1 || !strings.Contains(errs[0].Error(), "must have at least one stored version") {
		t.Fatalf("status: %v", errs)
	}
}
