package deployment

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

type fixture struct {
	c        *Controller
	client   *fake.Clientset
	recorder *record.FakeRecorder
	clock    *clocktesting.FakeClock
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(100)
	c := New(client, factory, rec)
	clk := clocktesting.NewFakeClock(t0)
	c.clock = clk
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *appsv1.Deployment:
			err = factory.Apps().V1().Deployments().Informer().GetIndexer().Add(o)
		case *appsv1.ReplicaSet:
			err = factory.Apps().V1().ReplicaSets().Informer().GetIndexer().Add(o)
		case *corev1.Pod:
			err = factory.Core().V1().Pods().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return &fixture{c: c, client: client, recorder: rec, clock: clk}
}

func (f *fixture) sync(t *testing.T) {
	t.Helper()
	if err := f.c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatalf("sync: %v", err)
	}
}

func (f *fixture) verbs() []string {
	var out []string
	for _, a := range f.client.Actions() {
		s := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			s += "/" + a.GetSubresource()
		}
		out = append(out, s)
	}
	return out
}

func (f *fixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// written returns the objects of the client's create and update actions
// of one resource, in order.
func written[T runtime.Object](f *fixture, resource string) []T {
	var out []T
	for _, a := range f.client.Actions() {
		if a.GetResource().Resource != resource {
			continue
		}
		if w, ok := a.(interface{ GetObject() runtime.Object }); ok {
			if o, ok := w.GetObject().(T); ok {
				out = append(out, o)
			}
		}
	}
	return out
}

// owned makes a ReplicaSet of d for template image, as the controller
// would have created it.
func owned(d *appsv1.Deployment, image string, age int, replicas, available int32, rev string) *appsv1.ReplicaSet {
	dd := d.DeepCopy()
	dd.Spec.Template.Spec.Containers[0].Image = image
	r := newReplicaSetFor(dd, replicas, rev)
	r.UID = types.UID("uid-" + r.Name)
	r.CreationTimestamp = metav1.NewTime(t0.Add(time.Duration(age) * time.Minute))
	r.Status = appsv1.ReplicaSetStatus{Replicas: replicas, ReadyReplicas: available, AvailableReplicas: available}
	return r
}
