package endpointslice

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
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
		case *corev1.Service:
			err = factory.Core().V1().Services().Informer().GetIndexer().Add(o)
		case *corev1.Pod:
			err = factory.Core().V1().Pods().Informer().GetIndexer().Add(o)
		case *corev1.Node:
			err = factory.Core().V1().Nodes().Informer().GetIndexer().Add(o)
		case *discoveryv1.EndpointSlice:
			err = factory.Discovery().V1().EndpointSlices().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return c, client
}

func TestSyncCreatesSliceWithZone(t *testing.T) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1", Labels: map[string]string{corev1.LabelTopologyZone: "zone-a"}}}
	c, client := newTestController(t, testService(), testPod("p0", true), node)
	if err := c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	actions := client.Actions()
	if len(actions) != 1 || actions[0].GetVerb() != "create" {
		t.Fatalf("actions = %v, want one create", actions)
	}
	s := actions[0].(k8stesting.CreateAction).GetObject().(*discoveryv1.EndpointSlice)
	if len(s.Endpoints) != 1 || s.Endpoints[0].Zone == nil || *s.Endpoints[0].Zone != "zone-a" || s.Endpoints[0].Addresses[0] != "10.1.0.1" {
		t.Fatalf("slice endpoints = %+v", s.Endpoints)
	}
}

func TestSyncUpdatesInPlace(t *testing.T) {
	svc := testService()
	existing := reconcile(nil, desired(svc, []*corev1.Pod{testPod("p0", true)}, noZone), template(svc)).create[0]
	existing.Name = "web-abcde"
	c, client := newTestController(t, svc, testPod("p0", false), existing)
	if err := c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	actions := client.Actions()
	if len(actions) != 1 || actions[0].GetVerb() != "update" {
		t.Fatalf("actions = %v, want one update", actions)
	}
	s := actions[0].(k8stesting.UpdateAction).GetObject().(*discoveryv1.EndpointSlice)
	if s.Name != "web-abcde" || *s.Endpoints[0].Conditions.Ready {
		t.Fatalf("updated slice = %+v", s)
	}
}

func TestSyncDeletesSlicesOfDeletedService(t *testing.T) {
	svc := testService()
	existing := template(svc)
	existing.Name = "web-abcde"
	c, client := newTestController(t, existing)
	if err := c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	actions := client.Actions()
	if len(actions) != 1 || actions[0].GetVerb() != "delete" {
		t.Fatalf("actions = %v, want one delete", actions)
	}
}

func TestSyncLeavesSelectorlessServicesAlone(t *testing.T) {
	svc := testService()
	svc.Spec.Selector = nil
	c, client := newTestController(t, svc, testPod("p0", true))
	if err := c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	if len(client.Actions()) != 0 {
		t.Fatalf("actions = %v, want none", client.Actions())
	}
}
