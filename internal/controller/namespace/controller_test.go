package namespace

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

var configmaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

func terminating(name string) *corev1.Namespace {
	now := metav1.NewTime(time.Unix(1000, 0))
	return &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: name, DeletionTimestamp: &now},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
	}
}

func newController(t *testing.T, ns *corev1.Namespace, content ...runtime.Object) (*Controller, *fake.Clientset, *dynamicfake.FakeDynamicClient) {
	t.Helper()
	client := fake.NewSimpleClientset(ns)
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{configmaps: "ConfigMapList"}, content...)
	factory := informers.NewSharedInformerFactory(client, 0)
	c := New(client, dyn, factory, func() []schema.GroupVersionResource { return []schema.GroupVersionResource{configmaps} })
	if err := factory.Core().V1().Namespaces().Informer().GetIndexer().Add(ns); err != nil {
		t.Fatal(err)
	}
	client.ClearActions()
	return c, client, dyn
}

func cm(ns, name string, finalizers ...string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetFinalizers(finalizers)
	return u
}

// listAnswers makes the fake dynamic client answer lists of configmaps
// with items, as the server would after delete-collection (the fake does
// not delete on delete-collection).
func listAnswers(dyn *dynamicfake.FakeDynamicClient, items ...*unstructured.Unstructured) {
	dyn.PrependReactor("list", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		list := &unstructured.UnstructuredList{}
		list.SetAPIVersion("v1")
		list.SetKind("ConfigMapList")
		for _, it := range items {
			list.Items = append(list.Items, *it)
		}
		return true, list, nil
	})
}

func TestSyncEmptiesThenFinalizes(t *testing.T) {
	c, client, dyn := newController(t, terminating("gone"), cm("gone", "a"), cm("other", "b"))
	listAnswers(dyn)
	if err := c.sync(context.Background(), "gone"); err != nil {
		t.Fatalf("sync: %v", err)
	}
	var verbs []string
	for _, a := range dyn.Actions() {
		verbs = append(verbs, a.GetVerb()+" "+a.GetNamespace())
	}
	want := []string{"delete-collection gone", "list gone"}
	if len(verbs) != len(want) || verbs[0] != want[0] || verbs[1] != want[1] {
		t.Fatalf("dynamic actions = %v, want %v", verbs, want)
	}
	actions := client.Actions()
	// client-go's fake records Finalize (a PUT) as an action on the finalize subresource.
	if len(actions) != 1 || actions[0].GetSubresource() != "finalize" {
		t.Fatalf("client actions = %v, want one finalize", actions)
	}
	ns := actions[0].(interface{ GetObject() runtime.Object }).GetObject().(*corev1.Namespace)
	if len(ns.Spec.Finalizers) != 0 {
		t.Fatalf("finalize left %v", ns.Spec.Finalizers)
	}
}

func TestSyncWaitsForRemainingContent(t *testing.T) {
	c, client, dyn := newController(t, terminating("held"))
	// An object held by a finalizer survives delete-collection.
	listAnswers(dyn, cm("held", "kept", "example.com/hold"))
	err := c.sync(context.Background(), "held")
	var remaining errContentRemaining
	if !errors.As(err, &remaining) || remaining.remaining["configmaps"] != 1 {
		t.Fatalf("sync = %v, want content remaining", err)
	}
	if len(client.Actions()) != 0 {
		t.Fatalf("must not finalize while content remains: %v", client.Actions())
	}
}

func TestSyncIgnoresLiveNamespaces(t *testing.T) {
	live := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "live"}}
	c, client, dyn := newController(t, live)
	if err := c.sync(context.Background(), "live"); err != nil {
		t.Fatal(err)
	}
	if len(client.Actions())+len(dyn.Actions()) != 0 {
		t.Fatalf("a live namespace must not be touched: %v %v", client.Actions(), dyn.Actions())
	}
}
