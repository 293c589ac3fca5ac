package scheduler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

type fixture struct {
	t        *testing.T
	client   *fake.Clientset
	factory  informers.SharedInformerFactory
	recorder *record.FakeRecorder
	clock    *clocktesting.FakeClock
	s        *Scheduler
}

func newFixture(t *testing.T, objects ...runtime.Object) *fixture {
	f := &fixture{t: t, client: fake.NewSimpleClientset(objects...), recorder: record.NewFakeRecorder(100),
		clock: clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
	// The fake tracker cannot store a Binding; accept it as the API does.
	f.client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "binding" {
			return true, nil, nil
		}
		return false, nil, nil
	})
	f.factory = informers.NewSharedInformerFactory(f.client, 0)
	f.s = New(f.client, f.factory, f.recorder, Options{Clock: f.clock, Parallelism: 1})
	for _, o := range objects {
		switch o := o.(type) {
		case *corev1.Node:
			_ = f.factory.Core().V1().Nodes().Informer().GetIndexer().Add(o)
			f.s.cache.SetNode(o)
		case *corev1.Pod:
			_ = f.factory.Core().V1().Pods().Informer().GetIndexer().Add(o)
			f.s.podAdded(o)
		}
	}
	f.client.ClearActions()
	return f
}

// scheduleNext pops the next pod, runs one attempt and waits for binding.
func (f *fixture) scheduleNext() {
	f.t.Helper()
	if a, _, _ := f.s.queue.Counts(); a == 0 {
		f.t.Fatal("no active pod to schedule")
	}
	qp, _ := f.s.queue.Pop()
	f.s.scheduleOne(context.Background(), qp)
	f.s.binds.Wait()
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

// actions renders the client actions as "verb resource/subresource name".
func (f *fixture) actions() []string {
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

func testNode(name, cpu string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name}},
		Spec:       corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110"),
		}},
	}
}

func testPod(name, cpu string, prio int32) *corev1.Pod {
	never := corev1.PreemptLowerPriority
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), ResourceVersion: "1"},
		Spec: corev1.PodSpec{
			SchedulerName: DefaultSchedulerName, Priority: &prio, PreemptionPolicy: &never,
			Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
}

func TestScheduleBindsAndRecordsScheduled(t *testing.T) {
	f := newFixture(t, testNode("n1", "4"), testPod("p", "1", 0))
	f.scheduleNext()
	acts := f.client.Actions()
	if len(acts) != 1 || acts[0].GetSubresource() != "binding" {
		t.Fatalf("actions %v, want one binding", f.actions())
	}
	b := acts[0].(k8stesting.CreateAction).GetObject().(*corev1.Binding)
	if b.Name != "p" || b.Target.Kind != "Node" || b.Target.Name != "n1" || b.UID != "uid-p" {
		t.Fatalf("binding %+v", b)
	}
	if ev := f.events(); len(ev) != 1 || ev[0] != "Normal Scheduled Successfully assigned default/p to n1" {
		t.Fatalf("events %q", ev)
	}
	if !f.s.cache.IsAssumedOrBound("uid-p") {
		t.Fatal("pod not assumed in the cache")
	}
}

func TestAssumedPodTakesRoomForTheNext(t *testing.T) {
	f := newFixture(t, testNode("n1", "2"), testNode("n2", "2"), testPod("a", "2", 0), testPod("b", "2", 0))
	f.scheduleNext()
	f.scheduleNext()
	var targets []string
	for _, a := range f.client.Actions() {
		targets = append(targets, a.(k8stesting.CreateAction).GetObject().(*corev1.Binding).Target.Name)
	}
	if len(targets) != 2 || targets[0] == targets[1] {
		t.Fatalf("bound to %v, want two different nodes", targets)
	}
}

func TestUnschedulableReportsKubernetesMessage(t *testing.T) {
	cp := testNode("cp", "8", corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule})
	f := newFixture(t, cp, testNode("w1", "1"), testNode("w2", "1"), testPod("p", "2", 0))
	f.scheduleNext()
	want := "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
		"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
	if ev := f.events(); len(ev) != 1 || ev[0] != "Warning FailedScheduling "+want {
		t.Fatalf("events %q", ev)
	}
	acts := f.client.Actions()
	if len(acts) != 1 || acts[0].GetVerb() != "patch" || acts[0].GetSubresource() != "status" {
		t.Fatalf("actions %v, want one status patch", f.actions())
	}
	patch := string(acts[0].(k8stesting.PatchAction).GetPatch())
	for _, s := range []string{`"type":"PodScheduled"`, `"status":"False"`, `"reason":"Unschedulable"`, `"message":"` + want + `"`} {
		if !strings.Contains(patch, s) {
			t.Errorf("patch %s lacks %s", patch, s)
		}
	}
	if _, _, parked := f.s.queue.Counts(); parked != 1 {
		t.Fatal("pod not parked as unschedulable")
	}

	// A retry soon after with the same outcome (the lister now shows the
	// condition) sends neither a new event nor a new patch.
	updated := testPod("p", "2", 0)
	updated.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: want}}
	_ = f.factory.Core().V1().Pods().Informer().GetIndexer().Update(updated)
	f.client.ClearActions()
	f.clock.Step(2 * time.Second)
	f.s.queue.MoveAllToActiveOrBackoff()
	f.scheduleNext()
	if ev, acts := f.events(), f.actions(); len(ev) != 0 || len(acts) != 0 {
		t.Fatalf("retry re-sent events %q actions %v", ev, acts)
	}
}

func TestOtherSchedulersPodsAndBoundPodsAreIgnored(t *testing.T) {
	other := testPod("other", "1", 0)
	other.Spec.SchedulerName = "my-scheduler"
	bound := testPod("bound", "1", 0)
	bound.Spec.NodeName = "n1"
	done := testPod("done", "1", 0)
	done.Status.Phase = corev1.PodSucceeded
	f := newFixture(t, testNode("n1", "4"), other, bound, done)
	if a, b, u := f.s.queue.Counts(); a+b+u != 0 {
		t.Fatalf("queued %d pods, want none", a+b+u)
	}
	if !f.s.cache.IsAssumedOrBound("uid-bound") {
		t.Fatal("bound pod not accounted on its node")
	}
}

func TestPreemptionEvictsLowerPriorityPod(t *testing.T) {
	victim := testPod("victim", "2", 0)
	victim.Spec.NodeName = "n1"
	f := newFixture(t, testNode("n1", "2"), victim, testPod("vip", "2", 1000))
	f.scheduleNext()
	got := f.actions()
	want := []string{"patch pods/status", "delete pods", "patch pods/status"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("actions %v, want %v", got, want)
	}
	acts := f.client.Actions()
	if p := string(acts[0].(k8stesting.PatchAction).GetPatch()); acts[0].(k8stesting.PatchAction).GetName() != "victim" || !strings.Contains(p, `"reason":"PreemptionByScheduler"`) {
		t.Fatalf("victim patch %s", p)
	}
	if acts[1].(k8stesting.DeleteAction).GetName() != "victim" {
		t.Fatal("deleted the wrong pod")
	}
	if p := string(acts[2].(k8stesting.PatchAction).GetPatch()); acts[2].(k8stesting.PatchAction).GetName() != "vip" ||
		!strings.Contains(p, `"nominatedNodeName":"n1"`) || !strings.Contains(p, `"reason":"Unschedulable"`) {
		t.Fatalf("preemptor patch %s on %s, want condition and nomination", p, acts[2].(k8stesting.PatchAction).GetName())
	}
	ev := f.events()
	if len(ev) != 2 || ev[0] != "Normal Preempted Preempted by pod uid-vip on node n1" ||
		ev[1] != "Warning FailedScheduling 0/1 nodes are available: 1 Insufficient cpu." {
		t.Fatalf("events %q", ev)
	}
}

func TestBindFailureForgetsAssumption(t *testing.T) {
	f := newFixture(t, testNode("n1", "4"), testPod("p", "1", 0))
	f.client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("etcd is sad")
	})
	f.scheduleNext()
	if f.s.cache.IsAssumedOrBound("uid-p") {
		t.Fatal("failed binding left the pod assumed")
	}
	if _, b, _ := f.s.queue.Counts(); b != 1 {
		t.Fatal("pod not backing off after a failed binding")
	}
	if ev := f.events(); len(ev) != 1 || ev[0] != "Warning FailedScheduling Binding rejected: etcd is sad" {
		t.Fatalf("events %q", ev)
	}
}
