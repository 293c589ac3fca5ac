package serviceaccount

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
)

func newTestController(t *testing.T, objs ...runtime.Object) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	c := New(client, factory, record.NewFakeRecorder(10))
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *corev1.Namespace:
			err = factory.Core().V1().Namespaces().Informer().GetIndexer().Add(o)
		case *corev1.ServiceAccount:
			err = factory.Core().V1().ServiceAccounts().Informer().GetIndexer().Add(o)
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
	existing := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "apps"}}
	tests := []struct {
		name    string
		objs    []runtime.Object
		creates int
	}{
		{"missing default is created", []runtime.Object{active}, 1},
		{"existing default is kept", []runtime.Object{active, existing}, 0},
		{"terminating namespace is left alone", []runtime.Object{terminating}, 0},
		{"deleted namespace is ignored", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, client := newTestController(t, tt.objs...)
			if err := c.sync(context.Background(), "apps"); err != nil {
				t.Fatal(err)
			}
			actions := client.Actions()
			if len(actions) != tt.creates {
				t.Fatalf("actions = %v, want %d create", actions, tt.creates)
			}
			for _, a := range actions {
				if a.GetVerb() != "create" || a.GetResource().Resource != "serviceaccounts" || a.GetNamespace() != "apps" {
					t.Fatalf("unexpected action %v", a)
				}
			}
		})
	}
}
