package endpoints

//lint:file-ignore SA1019 the Endpoints API is deprecated but still served, and this controller is what keeps it filled.

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
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
		case *corev1.Endpoints:
			err = factory.Core().V1().Endpoints().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return c, client
}

func written(t *testing.T, client *fake.Clientset, verb string) *corev1.Endpoints {
	t.Helper()
	actions := client.Actions()
	if len(actions) != 1 || actions[0].GetVerb() != verb || actions[0].GetResource().Resource != "endpoints" {
		t.Fatalf("actions = %v, want one %s of endpoints", actions, verb)
	}
	return actions[0].(k8stesting.CreateAction).GetObject().(*corev1.Endpoints)
}

func TestSyncCreatesEndpoints(t *testing.T) {
	svc := testService(intstr.FromString("http"))
	svc.Spec.ClusterIP = corev1.ClusterIPNone
	c, client := newTestController(t, svc, testPod("a", "10.1.0.1", true))
	if err := c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	ep := written(t, client, "create")
	if len(ep.Subsets) != 1 || ep.Subsets[0].Addresses[0].IP != "10.1.0.1" || ep.Subsets[0].Ports[0].Port != 8080 {
		t.Fatalf("subsets = %+v", ep.Subsets)
	}
	if ep.Labels["tier"] != "front" {
		t.Errorf("labels = %v, want the Service's", ep.Labels)
	}
	if _, ok := ep.Labels[corev1.IsHeadlessService]; !ok {
		t.Errorf("headless label missing: %v", ep.Labels)
	}
	if ep.Annotations[corev1.EndpointsLastChangeTriggerTime] == "" {
		t.Errorf("trigger time annotation missing")
	}
}

func TestSyncSkipsUnchanged(t *testing.T) {
	svc := testService(intstr.FromInt32(8080))
	pod := testPod("a", "10.1.0.1", true)
	subsets, _ := buildSubsets(svc, []*corev1.Pod{pod})
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: wantLabels(svc)}, Subsets: subsets}
	c, client := newTestController(t, svc, pod, ep)
	if err := c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	if len(client.Actions()) != 0 {
		t.Fatalf("actions = %v, want none", client.Actions())
	}
}

func TestSyncUpdatesOnReadinessChange(t *testing.T) {
	svc := testService(intstr.FromInt32(8080))
	subsets, _ := buildSubsets(svc, []*corev1.Pod{testPod("a", "10.1.0.1", true)})
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: wantLabels(svc)}, Subsets: subsets}
	c, client := newTestController(t, svc, testPod("a", "10.1.0.1", false), ep)
	if err := c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	got := written(t, client, "update")
	if len(got.Subsets[0].Addresses) != 0 || len(got.Subsets[0].NotReadyAddresses) != 1 {
		t.Fatalf("subsets = %+v, want the pod not ready", got.Subsets)
	}
}

func TestSyncLeavesSelectorlessServicesAlone(t *testing.T) {
	svc := testService(intstr.FromInt32(8080))
	svc.Spec.Selector = nil
	c, client := newTestController(t, svc)
	if err := c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	if len(client.Actions()) != 0 {
		t.Fatalf("actions = %v, want none", client.Actions())
	}
}

func TestSyncDeletesEndpointsOfDeletedService(t *testing.T) {
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}}
	c, client := newTestController(t, ep)
	if err := c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	actions := client.Actions()
	if len(actions) != 1 || actions[0].GetVerb() != "delete" {
		t.Fatalf("actions = %v, want one delete", actions)
	}
}
