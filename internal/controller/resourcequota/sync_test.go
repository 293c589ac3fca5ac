package resourcequota

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

var now = time.Unix(10000, 0)

func pod(name string, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}},
		Status: corev1.PodStatus{Phase: phase}}
}

func newTestController(t *testing.T, objs ...runtime.Object) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	c := New(client, factory, record.NewFakeRecorder(10), Options{Clock: clocktesting.NewFakePassiveClock(now)})
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *corev1.ResourceQuota:
			err = factory.Core().V1().ResourceQuotas().Informer().GetIndexer().Add(o)
		case *corev1.Pod:
			err = factory.Core().V1().Pods().Informer().GetIndexer().Add(o)
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

func newQuota(used corev1.ResourceList) *corev1.ResourceQuota {
	h := corev1.ResourceList{corev1.ResourcePods: resource.MustParse("10"), corev1.ResourceConfigMaps: resource.MustParse("5")}
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "ns"}, Spec: corev1.ResourceQuotaSpec{Hard: h}}
	if used != nil {
		q.Status = corev1.ResourceQuotaStatus{Hard: h.DeepCopy(), Used: used}
	}
	return q
}

func TestSyncWritesUsage(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns"}}
	c, client := newTestController(t, newQuota(nil), pod("a", corev1.PodRunning), cm)
	if err := c.sync(context.Background(), "ns/q"); err != nil {
		t.Fatal(err)
	}
	actions := client.Actions()
	if len(actions) != 1 || actions[0].GetVerb() != "update" || actions[0].GetSubresource() != "status" {
		t.Fatalf("actions = %v, want one status update", actions)
	}
	st := actions[0].(k8stesting.UpdateAction).GetObject().(*corev1.ResourceQuota).Status
	pods, cms := st.Used[corev1.ResourcePods], st.Used[corev1.ResourceConfigMaps]
	if pods.Value() != 1 || cms.Value() != 1 || len(st.Hard) != 2 {
		t.Fatalf("status = %+v", st)
	}
}

func TestSyncSkipsCurrentStatus(t *testing.T) {
	used := corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1"), corev1.ResourceConfigMaps: resource.MustParse("0")}
	c, client := newTestController(t, newQuota(used), pod("a", corev1.PodRunning))
	if err := c.sync(context.Background(), "ns/q"); err != nil {
		t.Fatal(err)
	}
	if len(client.Actions()) != 0 {
		t.Fatalf("actions = %v, want none", client.Actions())
	}
}
