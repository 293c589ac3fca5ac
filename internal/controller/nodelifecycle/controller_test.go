package nodelifecycle

import (
	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

type fixture struct {
	c        *Controller
	client   *fake.Clientset
	factory  informers.SharedInformerFactory
	clock    *clocktesting.FakeClock
	recorder *record.FakeRecorder
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	clk := clocktesting.NewFakeClock(t0)
	rec := record.NewFakeRecorder(100)
	c := New(client, factory, rec, Options{NodeMonitorGracePeriod: 40 * time.Second, Clock: clk})
	f := &fixture{c: c, client: client, factory: factory, clock: clk, recorder: rec}
	for _, o := range objs {
		f.seed(t, o)
	}
	return f
}

// seed puts obj in its informer's indexer, as the watch would.
func (f *fixture) seed(t *testing.T, obj runtime.Object) {
	t.Helper()
	var err error
	switch o := obj.(type) {
	case *corev1.Node:
		err = f.factory.Core().V1().Nodes().Informer().GetIndexer().Update(o)
	case *coordinationv1.Lease:
		err = f.factory.Coordination().V1().Leases().Informer().GetIndexer().Update(o)
	case *corev1.Pod:
		err = f.factory.Core().V1().Pods().Informer().GetIndexer().Update(o)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) sync(t *testing.T, name string) []k8stesting.Action {
	t.Helper()
	f.client.ClearActions()
	if err := f.c.sync(context.Background(), name); err != nil {
		t.Fatalf("sync: %v", err)
	}
	return f.client.Actions()
}

func readyNode(status corev1.ConditionStatus) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "n1", ResourceVersion: "1"},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: status, Reason: "KubeletReady", LastHeartbeatTime: metav1.NewTime(t0)},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
			{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse},
			{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse},
		}},
	}
}

func runningPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       corev1.PodSpec{NodeName: "n1"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
}

func verbs(actions []k8stesting.Action) []string {
	var out []string
	for _, a := range actions {
		s := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			s += "/" + a.GetSubresource()
		}
		out = append(out, s)
	}
	return out
}

func object(a k8stesting.Action) runtime.Object { return a.(k8stesting.UpdateAction).GetObject() }

func TestSilentNodeGoesUnknownAndUnreachable(t *testing.T) {
	f := newFixture(t, readyNode(corev1.ConditionTrue), lease(t0), runningPod())
	if a := f.sync(t, "n1"); len(a) != 0 {
		t.Fatalf("a fresh node needs no writes, got %v", verbs(a))
	}
	<-f.recorder.Events // RegisteredNode

	f.clock.Step(41 * time.Second)
	a := f.sync(t, "n1")
	want := []string{"update pods/status", "update nodes", "update nodes/status"}
	if got := verbs(a); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("actions %v, want %v", got, want)
	}
	if pod := object(a[0]).(*corev1.Pod); pod.Status.Conditions[0].Status != corev1.ConditionFalse {
		t.Errorf("pod Ready = %v, want False", pod.Status.Conditions[0].Status)
	}
	taints := object(a[1]).(*corev1.Node).Spec.Taints
	if len(taints) != 2 || taints[0].Key != corev1.TaintNodeUnreachable || taints[1].Key != corev1.TaintNodeUnreachable ||
		taints[0].TimeAdded == nil || !taints[0].TimeAdded.Time.Equal(f.clock.Now()) {
		t.Errorf("taints %+v, want unreachable NoSchedule and NoExecute added now", taints)
	}
	for _, c := range object(a[2]).(*corev1.Node).Status.Conditions {
		if c.Status != corev1.ConditionUnknown || c.Reason != "NodeStatusUnknown" || c.Message != "Kubelet stopped posting node status." {
			t.Errorf("condition %s = %s/%s, want Unknown/NodeStatusUnknown", c.Type, c.Status, c.Reason)
		}
	}
	if ev := <-f.recorder.Events; ev != "Normal NodeNotReady Node n1 status is now: NodeNotReady" {
		t.Errorf("event %q", ev)
	}
}

func TestRenewedLeaseKeepsNodeReady(t *testing.T) {
	f := newFixture(t, readyNode(corev1.ConditionTrue), lease(t0))
	f.sync(t, "n1")
	for i := 1; i <= 3; i++ {
		f.clock.Step(30 * time.Second)
		f.seed(t, lease(f.clock.Now()))
		if a := f.sync(t, "n1"); len(a) != 0 {
			t.Fatalf("round %d: a renewing node must not be touched, got %v", i, verbs(a))
		}
	}
}

func TestNotReadyTaintsComeAndGo(t *testing.T) {
	f := newFixture(t, readyNode(corev1.ConditionFalse), lease(t0))
	a := f.sync(t, "n1")
	if got := verbs(a); len(got) != 1 || got[0] != "update nodes" {
		t.Fatalf("actions %v, want one taint update", got)
	}
	node := object(a[0]).(*corev1.Node)
	if len(node.Spec.Taints) != 2 || node.Spec.Taints[0].Key != corev1.TaintNodeNotReady || node.Spec.Taints[1].Effect != corev1.TaintEffectNoExecute {
		t.Fatalf("taints %+v, want not-ready NoSchedule and NoExecute", node.Spec.Taints)
	}
	node.Status.Conditions[0].Status = corev1.ConditionTrue
	node.Spec.Unschedulable = true
	f.seed(t, node)
	a = f.sync(t, "n1")
	if got := verbs(a); len(got) != 1 {
		t.Fatalf("actions %v, want one taint update", got)
	}
	if taints := object(a[0]).(*corev1.Node).Spec.Taints; len(taints) != 1 || taints[0].Key != corev1.TaintNodeUnschedulable {
		t.Fatalf("taints %+v, want only unschedulable once ready and cordoned", taints)
	}
}
