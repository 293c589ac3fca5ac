package storage

import (
	"encoding/json"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/scheme"
)

func TestCodecRoundTrip(t *testing.T) {
	replicas := int32(3)
	maxSurge := intstr.FromString("25%")
	tests := []struct {
		name string
		obj  runtime.Object
		want reflect.Type
	}{
		{"configmap", configMap("ns", "a", map[string]string{"k": "v"}, map[string]string{"x": "y"}), reflect.TypeFor[*corev1.ConfigMap]()},
		{"pod", pod("ns", 1), reflect.TypeFor[*corev1.Pod]()},
		{"secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s"}, Data: map[string][]byte{"k": {0, 1, 2, 255}}}, reflect.TypeFor[*corev1.Secret]()},
		{"deployment", &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "d", Annotations: map[string]string{"a": `"quoted\"`}},
			Spec: appsv1.DeploymentSpec{Replicas: &replicas, Strategy: appsv1.DeploymentStrategy{
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &maxSurge},
			}},
		}, reflect.TypeFor[*appsv1.Deployment]()},
		{"custom resource", widget("ns", "w", 1<<53+1), reflect.TypeFor[*unstructured.Unstructured]()},
	}
	codec := NewJSONCodec(scheme.Scheme)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.obj.DeepCopyObject()
			data, err := codec.Encode(tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			if !equality.Semantic.DeepEqual(before, tt.obj) {
				t.Errorf("Encode changed its argument")
			}
			var tm metav1.TypeMeta
			if err := json.Unmarshal(data, &tm); err != nil || tm.Kind == "" || tm.APIVersion == "" {
				t.Fatalf("stored form lacks apiVersion/kind: %s", data)
			}
			got, err := codec.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if reflect.TypeOf(got) != tt.want {
				t.Fatalf("decoded %T, want %v", got, tt.want)
			}
			// The decoded object carries its kind; compare the rest.
			got.GetObjectKind().SetGroupVersionKind(before.GetObjectKind().GroupVersionKind())
			if !equality.Semantic.DeepEqual(before, got) {
				t.Errorf("round trip changed the object:\nbefore %#v\nafter  %#v", before, got)
			}
			// json-iterator must decode exactly what encoding/json would.
			if _, typed := got.(*unstructured.Unstructured); !typed {
				std := reflect.New(tt.want.Elem()).Interface()
				if err := json.Unmarshal(data, std); err != nil {
					t.Fatal(err)
				}
				fast, _ := codec.Decode(data)
				if !reflect.DeepEqual(std, fast) {
					t.Errorf("json-iterator and encoding/json disagree:\n%#v\n%#v", std, fast)
				}
			}
		})
	}
}

func TestPeekTypeMeta(t *testing.T) {
	tests := []struct {
		in               string
		apiVersion, kind string
		ok               bool
	}{
		{`{"kind":"Pod","apiVersion":"v1","metadata":{}}`, "v1", "Pod", true},
		{` { "apiVersion" : "example.com/v1" , "kind":"Widget"}`, "example.com/v1", "Widget", true},
		{`{"apiVersion":"example.com/v1","data":{},"kind":"Widget"}`, "", "", false},
		{`{"kind":"P\u006fd","apiVersion":"v1"}`, "", "", false},
		{`{"kind":"Pod"}`, "", "", false},
		{`[]`, "", "", false},
		{`{"kind":"Pod","apiVersion":`, "", "", false},
	}
	for _, tt := range tests {
		av, k, ok := peekTypeMeta([]byte(tt.in))
		if av != tt.apiVersion || k != tt.kind || ok != tt.ok {
			t.Errorf("peekTypeMeta(%s) = %q, %q, %v; want %q, %q, %v", tt.in, av, k, ok, tt.apiVersion, tt.kind, tt.ok)
		}
	}
}

func TestCodecDecodeSlowPath(t *testing.T) {
	codec := NewJSONCodec(scheme.Scheme)
	obj, err := codec.Decode([]byte(`{"metadata":{"name":"a"},"apiVersion":"v1","kind":"ConfigMap","data":{"k":"v"}}`))
	if err != nil {
		t.Fatal(err)
	}
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok || cm.Name != "a" || cm.Data["k"] != "v" {
		t.Fatalf("got %#v", obj)
	}
	if _, err := codec.Decode([]byte(`{"metadata":{}}`)); err == nil {
		t.Fatal("decoding an object without kind succeeded")
	}
}
