package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	jsoniter "github.com/json-iterator/go"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Codec turns objects into the bytes stored in etcd and back.
type Codec interface {
	// Encode returns obj's stored form. It may set obj's apiVersion and kind
	// while encoding (and restores them), so obj must not be shared meanwhile.
	Encode(obj runtime.Object) ([]byte, error)
	// Decode returns a new object; typed when the scheme knows its kind,
	// *unstructured.Unstructured otherwise (custom resources).
	Decode(data []byte) (runtime.Object, error)
}

// typedJSON decodes into k8s.io/api structs. json-iterator is about twice as
// fast as encoding/json here (see BenchmarkCodec), and it only ever reads
// bytes that encoding/json wrote, so its leniencies do not matter; it is case
// sensitive like Kubernetes' own decoder.
var typedJSON = jsoniter.Config{CaseSensitive: true}.Froze()

// NewJSONCodec returns a Codec that stores objects as JSON with apiVersion and
// kind, decoding kinds the scheme registers into their Go types.
func NewJSONCodec(scheme *runtime.Scheme) Codec {
	return &jsonCodec{scheme: scheme}
}

type jsonCodec struct {
	scheme *runtime.Scheme
	// types caches apiVersion+"/"+kind → Go type (nil: unstructured), so
	// decoding skips parsing the group version and the scheme's maps.
	types sync.Map
}

func (c *jsonCodec) Encode(obj runtime.Object) ([]byte, error) {
	if _, ok := obj.(runtime.Unstructured); !ok {
		ok := obj.GetObjectKind()
		if gvk := ok.GroupVersionKind(); gvk.Kind == "" || gvk.Version == "" {
			gvks, _, err := c.scheme.ObjectKinds(obj)
			if err != nil {
				return nil, fmt.Errorf("encode %T: %w", obj, err)
			}
			ok.SetGroupVersionKind(gvks[0])
			defer ok.SetGroupVersionKind(gvk)
		}
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", obj, err)
	}
	return data, nil
}

func (c *jsonCodec) Decode(data []byte) (runtime.Object, error) {
	apiVersion, kind, ok := peekTypeMeta(data)
	if !ok {
		var tm struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := json.Unmarshal(data, &tm); err != nil {
			return nil, fmt.Errorf("decode type meta: %w", err)
		}
		apiVersion, kind = tm.APIVersion, tm.Kind
	}
	if kind == "" || apiVersion == "" {
		return nil, fmt.Errorf("decode: object has no apiVersion or kind")
	}
	t := c.typeOf(apiVersion, kind)
	if t == nil {
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("decode %s %s: %w", apiVersion, kind, err)
		}
		return u, nil
	}
	obj := reflect.New(t).Interface().(runtime.Object)
	if err := typedJSON.Unmarshal(data, obj); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", apiVersion, kind, err)
	}
	return obj, nil
}

// typeOf returns the Go type the scheme registers for apiVersion and kind, or
// nil when it registers none.
func (c *jsonCodec) typeOf(apiVersion, kind string) reflect.Type {
	k := apiVersion + "/" + kind
	if t, ok := c.types.Load(k); ok {
		return t.(goType).t
	}
	var t reflect.Type
	if gv, err := schema.ParseGroupVersion(apiVersion); err == nil {
		gvk := gv.WithKind(kind)
		if c.scheme.Recognizes(gvk) {
			if obj, err := c.scheme.New(gvk); err == nil {
				t = reflect.TypeOf(obj).Elem()
			}
		}
	}
	c.types.Store(k, goType{t})
	return t
}

// goType wraps a reflect.Type so that "unknown kind" (nil) can be cached too.
type goType struct{ t reflect.Type }

// peekTypeMeta reads apiVersion and kind when they are the first two members
// of the object with plain string values, which is how Encode writes typed
// objects ({"kind":…,"apiVersion":…}) and usually unstructured ones.
func peekTypeMeta(data []byte) (apiVersion, kind string, ok bool) {
	p := skipSpace(data, 0)
	if p >= len(data) || data[p] != '{' {
		return "", "", false
	}
	p++
	for range 2 {
		var key, val []byte
		if key, p, ok = plainString(data, skipSpace(data, p)); !ok {
			return "", "", false
		}
		if p = skipSpace(data, p); p >= len(data) || data[p] != ':' {
			return "", "", false
		}
		if val, p, ok = plainString(data, skipSpace(data, p+1)); !ok {
			return "", "", false
		}
		switch {
		case bytes.Equal(key, []byte("apiVersion")):
			apiVersion = string(val)
		case bytes.Equal(key, []byte("kind")):
			kind = string(val)
		default:
			return "", "", false
		}
		if p = skipSpace(data, p); p >= len(data) || data[p] != ',' {
			break
		}
		p++
	}
	if apiVersion == "" || kind == "" {
		return "", "", false
	}
	return apiVersion, kind, true
}

func skipSpace(data []byte, p int) int {
	for p < len(data) && (data[p] == ' ' || data[p] == '\n' || data[p] == '\t' || data[p] == '\r') {
		p++
	}
	return p
}

// plainString reads a JSON string without escapes starting at p.
func plainString(data []byte, p int) ([]byte, int, bool) {
	if p >= len(data) || data[p] != '"' {
		return nil, p, false
	}
	end := bytes.IndexByte(data[p+1:], '"')
	if end < 0 {
		return nil, p, false
	}
	s := data[p+1 : p+1+end]
	if bytes.IndexByte(s, '\\') >= 0 {
		return nil, p, false
	}
	return s, p + end + 2, true
}
