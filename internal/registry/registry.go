// Package registry describes the resources the API server serves: their names,
// scope, subresources and the per-kind rules (defaulting, validation, table
// columns, selectable fields) that group packages supply.
package registry

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Resource is one REST resource as discovery and the REST handler see it.
type Resource struct {
	GVR          schema.GroupVersionResource
	Kind         string
	ListKind     string
	SingularName string
	Namespaced   bool
	ShortNames   []string
	Categories   []string
	// Status is true when the resource has a /status subresource: a main-resource
	// update keeps the stored status, a status update keeps everything else.
	Status bool
	// Scale is non-nil when the resource has a /scale subresource.
	Scale *ScalePaths
	// Subresources beyond status and scale (binding, eviction, finalize, token…),
	// named for discovery; the handler serves each explicitly.
	Extra []string
	// New returns an empty object of Kind (typed, or *unstructured.Unstructured
	// for custom resources with its GVK set); NewList its list.
	New     func() runtime.Object
	NewList func() runtime.Object
	Rules   Rules
	// Verbs lists the verbs served; nil means every standard verb (create,
	// delete, deletecollection, get, list, patch, update, watch).
	Verbs []string
	// StoragePrefix is the etcd key segment ("events") when it differs from
	// the resource name or when two resources share storage; ToStorage and
	// FromStorage convert to and from the stored form when it is another kind.
	StoragePrefix string
	ToStorage     func(runtime.Object) (runtime.Object, error)
	FromStorage   func(runtime.Object) (runtime.Object, error)
	// Schema is the OpenAPI schema of a custom resource version (nil for built-ins, which are derived from their Go types).
	Schema *spec.Schema
}

// StandardVerbs are the verbs a plain resource serves.
var StandardVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// ServedVerbs returns Verbs, or StandardVerbs when unset.
func (r *Resource) ServedVerbs() []string {
	if r.Verbs != nil {
		return r.Verbs
	}
	return StandardVerbs
}

// Serves reports whether verb is served.
func (r *Resource) Serves(verb string) bool {
	for _, v := range r.ServedVerbs() {
		if v == verb {
			return true
		}
	}
	return false
}

// GVK is the resource's group, version and kind.
func (r *Resource) GVK() schema.GroupVersionKind { return r.GVR.GroupVersion().WithKind(r.Kind) }

// ScalePaths says where a scalable resource keeps its replica counts, as
// dotted JSON paths (".spec.replicas").
type ScalePaths struct {
	SpecReplicas   string
	StatusReplicas string
	// LabelSelector is the path of a string selector (CRDs) or of a
	// metav1.LabelSelector (built-ins, usually ".spec.selector").
	LabelSelector string
}

// Rules is what a group package knows about one kind. Every field may be nil.
type Rules struct {
	// Default fills unset fields the way Kubernetes' defaulting does. Called on
	// every decoded create, update and patch result, before validation.
	Default func(obj runtime.Object)
	// Prune removes fields the schema does not know (custom resources) and
	// returns their paths ("spec.color") so the handler can apply fieldValidation.
	Prune func(obj runtime.Object) []string
	// PrepareForCreate resets what a client may not set on create (status,
	// system-owned fields). Status-clearing for resources with a status
	// subresource is done by the handler already.
	PrepareForCreate func(obj runtime.Object)
	// PrepareForUpdate carries over from old what an update may not change
	// beyond status (which the handler already carries over).
	PrepareForUpdate func(obj, old runtime.Object)
	// NameValidation checks metadata.name (nil: DNS-1123 subdomain).
	NameValidation func(name string, prefix bool) []string
	// Validate checks a new object (ObjectMeta is checked by the handler).
	Validate func(obj runtime.Object) field.ErrorList
	// ValidateUpdate checks an update, including immutable fields.
	ValidateUpdate func(obj, old runtime.Object) field.ErrorList
	// ValidateStatusUpdate checks a /status update (nil: ValidateUpdate is not used, no checks).
	ValidateStatusUpdate func(obj, old runtime.Object) field.ErrorList
	// Columns and Row make the Table kubectl prints. Row returns one cell per
	// column, the name first. Nil means NAME and AGE (and CREATED AT at priority 1).
	Columns []metav1.TableColumnDefinition
	Row     func(obj runtime.Object) []interface{}
	// Fields returns the selectable fields beyond metadata.name and
	// metadata.namespace, which the handler adds.
	Fields func(obj runtime.Object) fields.Set
}

// RulesSet maps kinds to their rules; each group package exports one.
type RulesSet map[schema.GroupVersionKind]Rules
