package reconcile

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// OwnerKey is the queue key ("namespace/name") of the controller of kind
// gvk that owns obj (an object or its deletion tombstone), so a child's
// event wakes its owner; ok is false when obj has no such controller.
func OwnerKey(obj any, gvk schema.GroupVersionKind) (key string, ok bool) {
	if t, isTombstone := obj.(cache.DeletedFinalStateUnknown); isTombstone {
		obj = t.Obj
	}
	m, isObject := obj.(metav1.Object)
	if !isObject {
		return "", false
	}
	ref := metav1.GetControllerOf(m)
	if ref == nil || ref.Kind != gvk.Kind || ref.APIVersion != gvk.GroupVersion().String() {
		return "", false
	}
	return m.GetNamespace() + "/" + ref.Name, true
}
