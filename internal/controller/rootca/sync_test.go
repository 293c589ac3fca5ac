package rootca

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
)

const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func newTestController(t *testing.T, objs ...runtime.Object) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	c := New(client, factory, record.NewFakeRecorder(10), Options{CACert: []byte(pem)})
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *corev1.Namespace:
			err = factory.Core().V1().Namespaces().Informer().GetIndexer().Add(o)
		case *corev1.ConfigMap:
			err = factory.Core().V1().ConfigMaps().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return c, client
}

func TestSync(t *testing.T) {
	active := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
	terminating := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}
	cm := func(data map[string]string, annotations map[string]string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: "apps", Annotations: annotations}, Data: data}
	}
	good := map[string]string{descriptionKey: description}
	tests := []struct {
		name string
		objs []runtime.Object
		verb string
	}{
		{"missing is created", []runtime.Object{active}, "create"},
		{"current is kept", []runtime.Object{active, cm(map[string]string{DataKey: pem}, good)}, ""},
		{"edited data is restored", []runtime.Object{active, cm(map[string]string{DataKey: "x", "extra": "y"}, good)}, "update"},
		{"missing description is restored", []runtime.Object{active, cm(map[string]string{DataKey: pem}, nil)}, "update"},
		{"terminating namespace is left alone", []runtime.Object{terminating}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, client := newTestController(t, tt.objs...)
			if err := c.sync(context.Background(), "apps"); err != nil {
				t.Fatal(err)
			}
			actions := client.Actions()
			if tt.verb == "" {
				if len(actions) != 0 {
					t.Fatalf("actions = %v, want none", actions)
				}
				return
			}
			if len(actions) != 1 || actions[0].GetVerb() != tt.verb {
				t.Fatalf("actions = %v, want one %s", actions, tt.verb)
			}
			got := actions[0].(k8stesting.CreateAction).GetObject().(*corev1.ConfigMap)
			if len(got.Data) != 1 || got.Data[DataKey] != pem || got.Annotations[descriptionKey] != description {
				t.Fatalf("configmap = %+v", got)
			}
		})
	}
}
