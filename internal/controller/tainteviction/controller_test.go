package tainteviction

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

func setup(t *testing.T, node *corev1.Node, pod *corev1.Pod) (*Controller, *fake.Clientset, *clocktesting.FakeClock, *record.FakeRecorder, informers.SharedInformerFactory) {
	t.Helper()
	client := fake.NewSimpleClientset(node, pod)
	factory := informers.NewSharedInformerFactory(client, 0)
	clk := clocktesting.NewFakeClock(t0)
	rec := record.NewFakeRecorder(10)
	c := New(client, factory, rec, Options{Clock: clk})
	for _, err := range []error{
		factory.Core().V1().Nodes().Informer().GetIndexer().Add(node),
		factory.Core().V1().Pods().Informer().GetIndexer().Add(pod),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return c, client, clk, rec, factory
}

func unreachableNode() *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{Taints: []corev1.Taint{taint(corev1.TaintNodeUnreachable, 0)}}}
}

func podTolerating(s *int64) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "u1"}, Spec: corev1.PodSpec{NodeName: "n1"}}
	if s != nil {
		p.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: s}}
	}
	return p
}

func run(t *testing.T, c *Controller, client *fake.Clientset) []k8stesting.Action {
	t.Helper()
	client.ClearActions()
	if err := c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	return client.Actions()
}

func assertEviction(t *testing.T, actions []k8stesting.Action, rec *record.FakeRecorder) {
	t.Helper()
	if len(actions) != 2 || actions[0].GetSubresource() != "status" || actions[1].GetVerb() != "delete" {
		t.Fatalf("actions %v, want status update then delete", actions)
	}
	pod := actions[0].(k8stesting.UpdateAction).GetObject().(*corev1.Pod)
	c := pod.Status.Conditions[0]
	if c.Type != corev1.DisruptionTarget || c.Status != corev1.ConditionTrue || c.Reason != "DeletionByTaintManager" || c.Message != "Taint manager: deleting due to NoExecute taint" {
		t.Fatalf("condition %+v", c)
	}
	if del := actions[1].(k8stesting.DeleteAction).GetDeleteOptions(); del.Preconditions == nil || *del.Preconditions.UID != "u1" || del.GracePeriodSeconds != nil {
		t.Fatalf("delete options %+v: want the pod's own grace and a UID precondition", del)
	}
	if ev := <-rec.Events; ev != "Normal TaintManagerEviction Marking for deletion Pod default/web" {
		t.Fatalf("event %q", ev)
	}
}

func TestUntoleratedPodIsEvictedAtOnce(t *testing.T) {
	c, client, _, rec, _ := setup(t, unreachableNode(), podTolerating(nil))
	assertEviction(t, run(t, c, client), rec)
}

func TestTolerationSecondsDelayEviction(t *testing.T) {
	c, client, clk, rec, _ := setup(t, unreachableNode(), podTolerating(seconds(5)))
	clk.Step(4 * time.Second)
	if a := run(t, c, client); len(a) != 0 {
		t.Fatalf("evicted before tolerationSeconds ran out: %v", a)
	}
	clk.Step(time.Second)
	assertEviction(t, run(t, c, client), rec)
}

func TestHealedNodeCancelsEviction(t *testing.T) {
	c, client, _, rec, factory := setup(t, unreachableNode(), podTolerating(seconds(5)))
	if a := run(t, c, client); len(a) != 0 {
		t.Fatalf("actions %v", a)
	}
	healed := unreachableNode()
	healed.Spec.Taints = nil
	if err := factory.Core().V1().Nodes().Informer().GetIndexer().Update(healed); err != nil {
		t.Fatal(err)
	}
	if a := run(t, c, client); len(a) != 0 {
		t.Fatalf("actions %v", a)
	}
	if ev := <-rec.Events; ev != "Normal TaintManagerEviction Cancelling deletion of Pod default/web" {
		t.Fatalf("event %q", ev)
	}
}
