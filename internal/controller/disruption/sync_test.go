package disruption

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

func newTestController(t *testing.T, objs ...runtime.Object) (*Controller, *fake.Clientset, *record.FakeRecorder) {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(10)
	c := New(client, factory, rec, Options{Clock: clocktesting.NewFakeClock(now)})
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *policyv1.PodDisruptionBudget:
			err = factory.Policy().V1().PodDisruptionBudgets().Informer().GetIndexer().Add(o)
		case *corev1.Pod:
			err = factory.Core().V1().Pods().Informer().GetIndexer().Add(o)
		case *appsv1.ReplicaSet:
			err = factory.Apps().V1().ReplicaSets().Informer().GetIndexer().Add(o)
		case *appsv1.Deployment:
			err = factory.Apps().V1().Deployments().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return c, client, rec
}

func budget(maxUnavailable intstr.IntOrString) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "ns", Generation: 1},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &maxUnavailable,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}
}

func owned(pod *corev1.Pod, kind, name, uid string) *corev1.Pod {
	yes := true
	pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: types.UID(uid), Controller: &yes}}
	return pod
}

func statusWritten(t *testing.T, client *fake.Clientset) policyv1.PodDisruptionBudgetStatus {
	t.Helper()
	actions := client.Actions()
	if len(actions) != 1 || actions[0].GetSubresource() != "status" {
		t.Fatalf("actions = %v, want one status update", actions)
	}
	return actions[0].(k8stesting.UpdateAction).GetObject().(*policyv1.PodDisruptionBudget).Status
}

func TestSyncScalesFromDeployment(t *testing.T) {
	three := int32(3)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "d-uid"}, Spec: appsv1.DeploymentSpec{Replicas: &three}}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "ns", UID: "rs-uid"}}
	yes := true
	rs.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "d-uid", Controller: &yes}}
	c, client, _ := newTestController(t, budget(intstr.FromInt32(1)), d, rs,
		owned(readyPod("a", true), "ReplicaSet", "web-1", "rs-uid"), owned(readyPod("b", true), "ReplicaSet", "web-1", "rs-uid"))
	if err := c.sync(context.Background(), "ns/b"); err != nil {
		t.Fatal(err)
	}
	st := statusWritten(t, client)
	if st.ExpectedPods != 3 || st.DesiredHealthy != 2 || st.CurrentHealthy != 2 || st.DisruptionsAllowed != 0 || st.ObservedGeneration != 1 {
		t.Fatalf("status = %+v", st)
	}
}

func TestSyncFailsSafeWithoutController(t *testing.T) {
	c, client, rec := newTestController(t, budget(intstr.FromInt32(1)), readyPod("a", true))
	if err := c.sync(context.Background(), "ns/b"); err != nil {
		t.Fatal(err)
	}
	st := statusWritten(t, client)
	if st.DisruptionsAllowed != 0 || st.Conditions[0].Reason != policyv1.SyncFailedReason || st.ObservedGeneration != 0 {
		t.Fatalf("status = %+v", st)
	}
	want := []string{
		`Warning NoControllerRef found no controller ref for pod "a"`,
		`Warning CalculateExpectedPodCountFailed Failed to calculate the number of expected pods: found no controller ref for pod "a"`,
	}
	for _, w := range want {
		if got := <-rec.Events; got != w {
			t.Fatalf("event = %q, want %q", got, w)
		}
	}
}

func TestSyncSkipsCurrentStatus(t *testing.T) {
	pdb := budget(intstr.FromInt32(0))
	pdb.Spec.MaxUnavailable = nil
	two := intstr.FromInt32(1)
	pdb.Spec.MinAvailable = &two
	pods := []*corev1.Pod{readyPod("a", true), readyPod("b", true)}
	pdb.Status, _ = nextStatus(pdb, pods, 2, 1, now)
	c, client, _ := newTestController(t, pdb, pods[0], pods[1])
	if err := c.sync(context.Background(), "ns/b"); err != nil {
		t.Fatal(err)
	}
	if len(client.Actions()) != 0 {
		t.Fatalf("actions = %v, want none", client.Actions())
	}
}
