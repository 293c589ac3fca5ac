package apiserver

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
)

// cachedList returns n pods as an itemList from the cache, with an empty
// Encodings per item, and the same list as a typed PodList.
func cachedList(n int) (*itemList, []*storage.Encodings, *corev1.PodList) {
	typed := podList(n)
	typed.Continue = "next"
	if typed.Items == nil {
		typed.Items = []corev1.Pod{}
	}
	items := make([]runtime.Object, 0, n)
	encs := make([]*storage.Encodings, 0, n)
	for i := range typed.Items {
		items = append(items, &typed.Items[i])
		encs = append(encs, &storage.Encodings{})
	}
	return &itemList{TypeMeta: typed.TypeMeta, ListMeta: typed.ListMeta, Items: items}, encs, typed
}

// The cached path writes exactly the bytes the serializer writes for the
// typed list, the first time (encoding) and the next (from the cache), and
// streamed with gzip as whole.
func TestCachedProtobufListMatchesEncoding(t *testing.T) {
	for _, n := range []int{0, 1, 3, 2000} {
		light, encs, typed := cachedList(n)
		want := wholeEncoding(t, mediaProtobuf, typed)
		for round := range 2 {
			got, err := encode(mediaProtobuf, withProtobufEncodings(light, encs))
			if err != nil {
				t.Fatalf("%d items, round %d: %v", n, round, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%d items, round %d: %d bytes differ from the typed list's %d", n, round, len(got), len(want))
			}
		}
		for i, enc := range encs {
			cached, err := enc.Do(formatProtobufItem, func() ([]byte, error) { return nil, errors.New("not cached") })
			if err != nil {
				t.Fatalf("%d items: item %d not cached: %v", n, i, err)
			}
			if fresh, _ := typed.Items[i].Marshal(); !bytes.Equal(cached, fresh) {
				t.Fatalf("%d items: item %d cached encoding differs from Marshal", n, i)
			}
		}
		_, body := respond(t, withProtobufEncodings(light, encs), mediaProtobuf, true)
		if !bytes.Equal(body, want) {
			t.Fatalf("%d items: streamed gzip body differs", n)
		}
	}
}

// What the cache holds is what is written, so a stale encoding would show:
// the cache must be per object version, which storage guarantees by
// replacing entries. Here: a held encoding wins over the object.
func TestCachedProtobufListUsesHeldEncoding(t *testing.T) {
	light, encs, typed := cachedList(2)
	other := typed.Items[1].DeepCopy()
	other.Labels = map[string]string{"changed": "yes"}
	held, err := other.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := encs[1].Do(formatProtobufItem, func() ([]byte, error) { return held, nil }); err != nil {
		t.Fatal(err)
	}
	got, err := encode(mediaProtobuf, withProtobufEncodings(light, encs))
	if err != nil {
		t.Fatal(err)
	}
	typed.Items[1] = *other
	if want := wholeEncoding(t, mediaProtobuf, typed); !bytes.Equal(got, want) {
		t.Fatal("the held encoding was not the one written")
	}
}

// Lists the cache cannot help are passed through untouched: no encodings
// (etcd lists, converted items), mismatched lengths, other list types.
func TestWithProtobufEncodingsPassesThrough(t *testing.T) {
	light, encs, typed := cachedList(3)
	for name, tc := range map[string]struct {
		list runtime.Object
		encs []*storage.Encodings
	}{
		"no encodings":   {light, nil},
		"short":          {light, encs[:2]},
		"typed list":     {typed, encs},
		"non-proto item": {&itemList{TypeMeta: typed.TypeMeta, Items: []runtime.Object{&unstructured.Unstructured{}}}, encs[:1]},
	} {
		if got := withProtobufEncodings(tc.list, tc.encs); got != tc.list {
			t.Errorf("%s: list was wrapped", name)
		}
	}
}

// An encoding error reaches the client as the serializer's own would.
func TestCachedProtobufListEncodingError(t *testing.T) {
	light, encs, _ := cachedList(1)
	boom := errors.New("boom")
	list := withProtobufEncodings(light, encs).(*itemList)
	it := list.Items[0].(*protobufItem)
	it.marshal = failingMarshaler{boom}
	if _, err := encode(mediaProtobuf, list); err == nil {
		t.Fatal("encoding succeeded")
	}
	w := httptest.NewRecorder()
	(&Server{}).writeEncoded(w, httptest.NewRequest(http.MethodGet, "/api/v1/pods", nil), http.StatusOK, mediaProtobuf, list)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("code %d, want 500", w.Code)
	}
}

type failingMarshaler struct{ err error }

func (f failingMarshaler) Marshal() ([]byte, error) { return nil, f.err }

// BenchmarkCachedListResponse writes a 10,000-pod list in protobuf with
// the items' encodings cached, against encoding them each time.
func BenchmarkCachedListResponse(b *testing.B) {
	light, encs, _ := cachedList(10000)
	r := httptest.NewRequest(http.MethodGet, "/api/v1/pods", nil)
	for name, build := range map[string]func() runtime.Object{
		"encode": func() runtime.Object { return light },
		"cached": func() runtime.Object { return withProtobufEncodings(light, encs) },
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				(&Server{}).writeEncoded(discard{}, r, http.StatusOK, mediaProtobuf, build())
			}
		})
	}
}

// A get served from the cached encoding is byte for byte, header for
// header, the one writeEncoded makes, first time and from the cache, small
// and gzip-sized.
func TestCachedObjectMatchesEncoding(t *testing.T) {
	small := &podList(1).Items[0]
	big := small.DeepCopy()
	big.Annotations = map[string]string{"big": strings.Repeat("x", gzipThreshold)}
	for _, obj := range []runtime.Object{small, big} {
		for _, mt := range []string{mediaJSON, mediaYAML, mediaProtobuf} {
			for _, gz := range []bool{false, true} {
				r := httptest.NewRequest(http.MethodGet, "/api/v1/namespaces/bench/pods/x", nil)
				if gz {
					r.Header.Set("Accept-Encoding", "gzip")
				}
				want := httptest.NewRecorder()
				(&Server{}).writeEncoded(want, r, http.StatusOK, mt, obj)
				enc := &storage.Encodings{}
				for round := range 2 {
					got := httptest.NewRecorder()
					(&Server{}).writeCachedObject(got, r, mt, obj, enc)
					if got.Code != want.Code || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
						t.Fatalf("%s gzip %v round %d: %d, %d bytes; want %d, %d bytes", mt, gz, round, got.Code, got.Body.Len(), want.Code, want.Body.Len())
					}
					for _, h := range []string{"Content-Type", "Content-Encoding", "Content-Length", "Cache-Control", "Vary"} {
						if got.Header().Get(h) != want.Header().Get(h) {
							t.Fatalf("%s gzip %v round %d: %s %q, want %q", mt, gz, round, h, got.Header().Get(h), want.Header().Get(h))
						}
					}
				}
				if _, err := enc.Do("object "+mt, func() ([]byte, error) { return nil, errors.New("not cached") }); err != nil {
					t.Fatalf("%s: encoding not cached", mt)
				}
			}
		}
	}
}

// An object that cannot be encoded gets writeEncoded's error response.
func TestCachedObjectEncodingError(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/namespaces/bench/pods/x", nil)
	obj := &unstructured.Unstructured{Object: map[string]any{"kind": "X", "apiVersion": "v1", "bad": func() {}}}
	want := httptest.NewRecorder()
	(&Server{}).writeEncoded(want, r, http.StatusOK, mediaJSON, obj)
	got := httptest.NewRecorder()
	(&Server{}).writeCachedObject(got, r, mediaJSON, obj, &storage.Encodings{})
	if got.Code != http.StatusInternalServerError || got.Code != want.Code || got.Body.String() != want.Body.String() {
		t.Fatalf("got %d %q, want %d %q", got.Code, got.Body, want.Code, want.Body)
	}
}
