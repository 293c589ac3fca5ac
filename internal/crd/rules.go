package crd

import (
	"strings"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// CleanupFinalizer holds a CRD until its custom resources are deleted.
const CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

// Rules returns the rules of the CustomResourceDefinition kind.
func Rules() registry.RulesSet {
	gvk := apiextv1.SchemeGroupVersion.WithKind("CustomResourceDefinition")
	return registry.RulesSet{gvk: {
		Default:          func(obj runtime.Object) { withCRD(obj, setDefaults) },
		PrepareForCreate: func(obj runtime.Object) { withCRD(obj, prepareForCreate) },
		PrepareForUpdate: func(obj, old runtime.Object) {
			n, o := asCRD(obj), asCRD(old)
			if n != nil && o != nil {
				prepareForUpdate(n, o)
			}
		},
		Validate: func(obj runtime.Object) field.ErrorList {
			if c := asCRD(obj); c != nil {
				return validateCRD(c)
			}
			return nil
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, o := asCRD(obj), asCRD(old)
			if n == nil || o == nil {
				return nil
			}
			return validateCRDUpdate(n, o)
		},
		ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
			c := asCRD(obj)
			if c == nil {
				return nil
			}
			errs := validateStoredVersions(c, field.NewPath("status", "storedVersions"), true)
			if c.Status.AcceptedNames.Plural != "" {
				errs = append(errs, validateNames(&c.Status.AcceptedNames, field.NewPath("status", "acceptedNames"))...)
			}
			return errs
		},
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: nameColumnDescription},
			{Name: "Created At", Type: "date", Description: ageColumnDescription},
		},
		Row: func(obj runtime.Object) []interface{} {
			c := asCRD(obj)
			if c == nil {
				return nil
			}
			return []interface{}{c.Name, c.CreationTimestamp.UTC().Format("2006-01-02T15:04:05Z")}
		},
	}}
}

func asCRD(obj runtime.Object) *apiextv1.CustomResourceDefinition {
	c, _ := obj.(*apiextv1.CustomResourceDefinition)
	return c
}

func withCRD(obj runtime.Object, f func(*apiextv1.CustomResourceDefinition)) {
	if c := asCRD(obj); c != nil {
		f(c)
	}
}

// setDefaults applies Kubernetes' defaulting for apiextensions.k8s.io/v1.
func setDefaults(c *apiextv1.CustomResourceDefinition) {
	n := &c.Spec.Names
	if n.Singular == "" {
		n.Singular = strings.ToLower(n.Kind)
	}
	if n.ListKind == "" && n.Kind != "" {
		n.ListKind = n.Kind + "List"
	}
	if c.Spec.Conversion == nil {
		c.Spec.Conversion = &apiextv1.CustomResourceConversion{Strategy: apiextv1.NoneConverter}
	}
	if w := c.Spec.Conversion.Webhook; w != nil && w.ClientConfig != nil && w.ClientConfig.Service != nil && w.ClientConfig.Service.Port == nil {
		port := int32(443)
		w.ClientConfig.Service.Port = &port
	}
	if an := &c.Status.AcceptedNames; an.Plural != "" {
		if an.Singular == "" {
			an.Singular = strings.ToLower(an.Kind)
		}
		if an.ListKind == "" && an.Kind != "" {
			an.ListKind = an.Kind + "List"
		}
	}
}

// prepareForCreate drops any client-set status, records the storage
// version as stored and adds the cleanup finalizer.
func prepareForCreate(c *apiextv1.CustomResourceDefinition) {
	c.Status = apiextv1.CustomResourceDefinitionStatus{}
	addStoredVersion(c)
	if !contains(c.Finalizers, CleanupFinalizer) {
		c.Finalizers = append(c.Finalizers, CleanupFinalizer)
	}
}

// prepareForUpdate keeps the stored status and adds a new storage version
// to storedVersions, so objects written in it are never forgotten.
func prepareForUpdate(c, old *apiextv1.CustomResourceDefinition) {
	c.Status = *old.Status.DeepCopy()
	addStoredVersion(c)
}

func addStoredVersion(c *apiextv1.CustomResourceDefinition) {
	if sv := storageVersion(c); sv != "" && !contains(c.Status.StoredVersions, sv) {
		c.Status.StoredVersions = append(c.Status.StoredVersions, sv)
	}
}
