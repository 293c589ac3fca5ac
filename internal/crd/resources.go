package crd

import (
	"errors"
	"fmt"
	"time"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// ErrConversionWebhook is returned when objects would need converting
// between versions of a CRD whose conversion strategy is Webhook.
var ErrConversionWebhook = errors.New("conversion webhook not supported")

// Resources returns one registry.Resource per served version of crd. The
// names used are spec.names; the controller substitutes the accepted names
// before calling it. Every version stores under StoragePrefix
// "<group>/<plural>" in the storage version; ToStorage and FromStorage
// rewrite apiVersion between the two (conversion strategy None).
func Resources(crd *apiextv1.CustomResourceDefinition) ([]*registry.Resource, error) {
	return resources(crd, time.Now)
}

func resources(crd *apiextv1.CustomResourceDefinition, now func() time.Time) ([]*registry.Resource, error) {
	storage := storageVersion(crd)
	if storage == "" {
		return nil, fmt.Errorf("crd %s: no storage version", crd.Name)
	}
	var out []*registry.Resource
	for i := range crd.Spec.Versions {
		v := &crd.Spec.Versions[i]
		if !v.Served {
			continue
		}
		r, err := newResource(crd, v, storage, now)
		if err != nil {
			return nil, fmt.Errorf("crd %s version %s: %w", crd.Name, v.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func storageVersion(crd *apiextv1.CustomResourceDefinition) string {
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			return v.Name
		}
	}
	return ""
}

// version is what the rules of one served version close over, built once
// per CRD: the schema, its validator, compiled CEL rules, the table and the
// selectable fields.
type version struct {
	group, name, kind string
	schema            *apiextv1.JSONSchemaProps
	preserveUnknown   bool // spec.preserveUnknownFields: no pruning
	validator         *schemaValidator
	cel               *celNode
	table             *table
	selectable        map[string]*column
	scale             *apiextv1.CustomResourceSubresourceScale
}

func newResource(crd *apiextv1.CustomResourceDefinition, v *apiextv1.CustomResourceDefinitionVersion, storage string, now func() time.Time) (*registry.Resource, error) {
	group, names := crd.Spec.Group, crd.Spec.Names
	gv := schema.GroupVersion{Group: group, Version: v.Name}
	ver := &version{group: group, name: v.Name, kind: names.Kind, schema: versionSchema(v), preserveUnknown: crd.Spec.PreserveUnknownFields}
	var err error
	if ver.validator, err = newSchemaValidator(ver.schema); err != nil {
		return nil, err
	}
	var errs field.ErrorList
	if ver.cel, errs = compileCEL(ver.schema, field.NewPath("schema")); len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	if ver.table, err = newTable(v.AdditionalPrinterColumns, now); err != nil {
		return nil, err
	}
	for _, sf := range v.SelectableFields {
		jp, err := parseColumnPath(sf.JSONPath, sf.JSONPath)
		if err != nil {
			return nil, fmt.Errorf("selectable field %q: %w", sf.JSONPath, err)
		}
		if ver.selectable == nil {
			ver.selectable = map[string]*column{}
		}
		ver.selectable[sf.JSONPath[1:]] = &column{typ: "string", jp: jp}
	}
	published, err := publishedSchema(ver.schema, group, v.Name, names.Kind)
	if err != nil {
		return nil, err
	}
	r := &registry.Resource{
		GVR:           gv.WithResource(names.Plural),
		Kind:          names.Kind,
		ListKind:      names.ListKind,
		SingularName:  names.Singular,
		Namespaced:    crd.Spec.Scope == apiextv1.NamespaceScoped,
		ShortNames:    append([]string(nil), names.ShortNames...),
		Categories:    append([]string(nil), names.Categories...),
		New:           newObject(gv.WithKind(names.Kind)),
		NewList:       newList(gv.WithKind(names.ListKind)),
		StoragePrefix: group + "/" + names.Plural,
		Rules:         ver.rules(),
		Schema:        published,
	}
	if sub := v.Subresources; sub != nil {
		r.Status = sub.Status != nil
		if sub.Scale != nil {
			ver.scale = sub.Scale
			r.Scale = &registry.ScalePaths{SpecReplicas: sub.Scale.SpecReplicasPath, StatusReplicas: sub.Scale.StatusReplicasPath}
			if sub.Scale.LabelSelectorPath != nil {
				r.Scale.LabelSelector = *sub.Scale.LabelSelectorPath
			}
		}
	}
	convertible := crd.Spec.Conversion == nil || crd.Spec.Conversion.Strategy != apiextv1.WebhookConverter
	storageGV := schema.GroupVersion{Group: group, Version: storage}.String()
	r.ToStorage = func(obj runtime.Object) (runtime.Object, error) {
		return setAPIVersion(obj, storageGV, convertible)
	}
	r.FromStorage = func(obj runtime.Object) (runtime.Object, error) {
		out, err := setAPIVersion(obj, gv.String(), convertible)
		if err != nil {
			return nil, err
		}
		// Defaults apply on read too, so objects stored before a default
		// was added show it.
		if u, ok := out.(*unstructured.Unstructured); ok {
			applyDefaults(u.Object, ver.schema)
		}
		return out, nil
	}
	return r, nil
}

func newObject(gvk schema.GroupVersionKind) func() runtime.Object {
	return func() runtime.Object {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		return u
	}
}

func newList(gvk schema.GroupVersionKind) func() runtime.Object {
	return func() runtime.Object {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(gvk)
		return l
	}
}

// setAPIVersion converts obj to apiVersion. With conversion strategy None
// versions differ only in apiVersion; with Webhook, any real change of
// version fails.
func setAPIVersion(obj runtime.Object, apiVersion string, convertible bool) (runtime.Object, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, fmt.Errorf("convert to %s: expected *unstructured.Unstructured, got %T", apiVersion, obj)
	}
	if u.GetAPIVersion() == apiVersion {
		return u.DeepCopy(), nil
	}
	if !convertible {
		return nil, fmt.Errorf("convert %s to %s: %w", u.GetAPIVersion(), apiVersion, ErrConversionWebhook)
	}
	out := u.DeepCopy()
	out.SetAPIVersion(apiVersion)
	return out, nil
}

// rules builds the per-kind rules of one version.
func (v *version) rules() registry.Rules {
	r := registry.Rules{
		Default: func(obj runtime.Object) {
			if u, ok := obj.(*unstructured.Unstructured); ok {
				applyDefaults(u.Object, v.schema)
			}
		},
		Prune: func(obj runtime.Object) []string {
			u, ok := obj.(*unstructured.Unstructured)
			if !ok || v.preserveUnknown || v.schema == nil {
				return nil
			}
			return prune(u.Object, v.schema)
		},
		Validate: func(obj runtime.Object) field.ErrorList {
			return v.validate(obj, nil)
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return v.validate(obj, old)
		},
		ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
			return v.validate(obj, old)
		},
		Columns: v.table.columns,
		Row:     v.table.row,
	}
	if len(v.selectable) > 0 {
		r.Fields = v.fields
	}
	return r
}
