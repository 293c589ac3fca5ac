package apiserver

import (
	"crypto/rand"
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Objects are either typed k8s.io/api structs or unstructured custom
// resources; these helpers reach their top-level spec and status the same way.

// topField returns the addressable top-level struct field named goName
// ("Spec", "Status") of a typed object.
func topField(obj runtime.Object, goName string) (reflect.Value, bool) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	f := v.Elem().FieldByName(goName)
	return f, f.IsValid()
}

// hasSpec reports whether obj has a top-level spec (and so a generation).
func hasSpec(obj runtime.Object) bool {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		_, found := u.Object["spec"]
		return found
	}
	_, ok := topField(obj, "Spec")
	return ok
}

// specEqual compares the spec of two objects of one kind; objects without
// spec (ConfigMaps) compare everything but metadata and status.
func specEqual(a, b runtime.Object) bool {
	if ua, ok := a.(*unstructured.Unstructured); ok {
		ub := b.(*unstructured.Unstructured)
		return equality.Semantic.DeepEqual(withoutMetaStatus(ua.Object), withoutMetaStatus(ub.Object))
	}
	fa, ok := topField(a, "Spec")
	if !ok {
		return true
	}
	fb, _ := topField(b, "Spec")
	return equality.Semantic.DeepEqual(fa.Interface(), fb.Interface())
}

func withoutMetaStatus(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != "metadata" && k != "status" {
			out[k] = v
		}
	}
	return out
}

// copyStatus sets dst's status to src's.
func copyStatus(dst, src runtime.Object) {
	if ud, ok := dst.(*unstructured.Unstructured); ok {
		us := src.(*unstructured.Unstructured)
		if st, found := us.Object["status"]; found {
			ud.Object["status"] = runtime.DeepCopyJSONValue(st)
		} else {
			delete(ud.Object, "status")
		}
		return
	}
	fd, ok := topField(dst, "Status")
	if !ok {
		return
	}
	fs, _ := topField(src, "Status")
	fd.Set(fs)
}

// clearStatus resets obj's status to its zero value.
func clearStatus(obj runtime.Object) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		delete(u.Object, "status")
		return
	}
	if f, ok := topField(obj, "Status"); ok {
		f.Set(reflect.Zero(f.Type()))
	}
}

// nameSuffix returns 5 random characters for generateName, from the
// alphabet Kubernetes uses (no vowels, no confusable digits).
func nameSuffix() string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
