package apiserver

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/bosun-dev/bosun/internal/registry/builtin"
)

// podList returns n pods of the size a Deployment makes, managed fields
// included, as a list read from the watch cache.
func podList(n int) *corev1.PodList {
	list := &corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}}
	list.ResourceVersion = "12345"
	fields := []byte(`{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{".":{},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}}}}}}`)
	for i := range n {
		list.Items = append(list.Items, corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("app-%d-7d9f8c6b5-%05d", i%50, i), Namespace: "bench", UID: "3f0c0f1e-8a4b-4a55-9d39-6f1f4a1c2b3d",
				ResourceVersion: fmt.Sprint(1000 + i), Labels: map[string]string{"app": fmt.Sprintf("app-%d", i%50), "pod-template-hash": "7d9f8c6b5"},
				ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: fields}}},
			},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "app", Image: fmt.Sprintf("registry.example.com/team/app-%d:1.4.2", i%50),
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi"),
				}},
				TerminationMessagePath: "/dev/termination-log", ImagePullPolicy: corev1.PullIfNotPresent,
			}}, RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst, SchedulerName: "default-scheduler"},
			Status: corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBurstable},
		})
	}
	return list
}

// respond runs writeEncoded and returns the response and its decoded body.
func respond(t testing.TB, obj runtime.Object, mediaType string, gzipOK bool) (*httptest.ResponseRecorder, []byte) {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/pods", nil)
	if gzipOK {
		r.Header.Set("Accept-Encoding", "gzip")
	}
	w := httptest.NewRecorder()
	(&Server{}).writeEncoded(w, r, http.StatusOK, mediaType, obj)
	body := w.Body.Bytes()
	if w.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return w, body
}

func TestResponseBodyMatchesWholeEncoding(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pods      int
		mediaType string
		gzipOK    bool
		wantGzip  bool
	}{
		{"small json", 3, mediaJSON, true, false},
		{"small protobuf", 3, mediaProtobuf, true, false},
		{"large json gzip", 2000, mediaJSON, true, true},
		{"large protobuf gzip", 2000, mediaProtobuf, true, true},
		{"large protobuf plain", 2000, mediaProtobuf, false, false},
		{"large yaml", 300, mediaYAML, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list := podList(tc.pods)
			want := wholeEncoding(t, tc.mediaType, list)
			w, got := respond(t, list, tc.mediaType, tc.gzipOK)
			if w.Code != http.StatusOK || w.Header().Get("Content-Type") != tc.mediaType {
				t.Fatalf("code %d, content type %q", w.Code, w.Header().Get("Content-Type"))
			}
			if gz := w.Header().Get("Content-Encoding") == "gzip"; gz != tc.wantGzip {
				t.Fatalf("gzipped %v, want %v (body %d bytes)", gz, tc.wantGzip, len(want))
			}
			if cl := w.Header().Get("Content-Length"); len(want) < gzipThreshold && cl != fmt.Sprint(len(want)) {
				t.Fatalf("Content-Length %q, want %d", cl, len(want))
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("body differs from the whole encoding: %d bytes, want %d", len(got), len(want))
			}
			var decoded corev1.PodList
			if err := runtime.DecodeInto(codecFor(tc.mediaType), got, &decoded); err != nil {
				t.Fatal(err)
			}
			if len(decoded.Items) != tc.pods || decoded.ResourceVersion != "12345" {
				t.Fatalf("decoded %d items at %q", len(decoded.Items), decoded.ResourceVersion)
			}
		})
	}
}

// wholeEncoding encodes obj in one piece, without streaming collections.
func wholeEncoding(t testing.TB, mediaType string, obj runtime.Object) []byte {
	var enc runtime.Encoder
	switch mediaType {
	case mediaProtobuf:
		enc = protobuf.NewSerializer(builtin.Scheme, builtin.Scheme)
	case mediaYAML:
		enc = yamlSerializer
	default:
		enc = json.NewSerializerWithOptions(json.DefaultMetaFactory, builtin.Scheme, builtin.Scheme, json.SerializerOptions{})
	}
	data, err := runtime.Encode(enc, obj)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func codecFor(mediaType string) runtime.Decoder {
	switch mediaType {
	case mediaProtobuf:
		return protobufSerializer
	case mediaYAML:
		return yamlSerializer
	}
	return jsonSerializer
}

// BenchmarkWriteList writes a 10,000-pod list as served from the cache.
func BenchmarkWriteList(b *testing.B) {
	list := podList(10000)
	for _, tc := range []struct {
		name      string
		mediaType string
		gzipOK    bool
	}{
		{"protobuf", mediaProtobuf, false},
		{"protobuf-gzip", mediaProtobuf, true},
		{"json", mediaJSON, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/pods", nil)
			if tc.gzipOK {
				r.Header.Set("Accept-Encoding", "gzip")
			}
			b.ReportAllocs()
			for b.Loop() {
				(&Server{}).writeEncoded(discard{}, r, http.StatusOK, tc.mediaType, list)
			}
		})
	}
}

// discard is a ResponseWriter that drops the body, as a fast client would.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

func TestItemListEncodesAsTypedList(t *testing.T) {
	for _, n := range []int{0, 3} {
		typed := podList(n)
		typed.Continue = "next"
		if typed.Items == nil {
			typed.Items = []corev1.Pod{} // as meta.SetList makes an empty list
		}
		items := make([]runtime.Object, 0, n)
		for i := range typed.Items {
			items = append(items, &typed.Items[i])
		}
		light := &itemList{TypeMeta: typed.TypeMeta, ListMeta: typed.ListMeta, Items: items}
		for _, mt := range []string{mediaJSON, mediaYAML, mediaProtobuf} {
			want := wholeEncoding(t, mt, typed)
			got, err := encode(mt, light)
			if err != nil {
				t.Fatalf("%d items, %s: %v", n, mt, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%d items, %s: itemList encodes as\n%s\nwant\n%s", n, mt, got, want)
			}
		}
		if cp := light.DeepCopyObject().(*itemList); len(cp.Items) != n || cp.Continue != "next" || (n > 0 && cp.Items[0] == light.Items[0]) {
			t.Errorf("DeepCopyObject shares or drops items: %+v", cp.ListMeta)
		}
	}
}

// BenchmarkListResponse builds the response to a 10,000-pod list from cached
// items and writes it in protobuf: as the typed PodList or as an itemList.
func BenchmarkListResponse(b *testing.B) {
	typed := podList(10000)
	items := make([]runtime.Object, 0, len(typed.Items))
	for i := range typed.Items {
		items = append(items, &typed.Items[i])
	}
	r := httptest.NewRequest(http.MethodGet, "/api/v1/pods", nil)
	for _, tc := range []struct {
		name  string
		build func() runtime.Object
	}{
		{"typed", func() runtime.Object {
			list := &corev1.PodList{TypeMeta: typed.TypeMeta}
			if err := meta.SetList(list, items); err != nil {
				b.Fatal(err)
			}
			return list
		}},
		{"itemList", func() runtime.Object { return &itemList{TypeMeta: typed.TypeMeta, Items: items} }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				(&Server{}).writeEncoded(discard{}, r, http.StatusOK, mediaProtobuf, tc.build())
			}
		})
	}
}
