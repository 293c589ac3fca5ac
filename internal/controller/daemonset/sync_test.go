package daemonset

import (
	"context"
	"fmt"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

func newDaemonSet(image string) *appsv1.DaemonSet {
	labels := map[string]string{"app": "agent"}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "agent", UID: "ds-uid", Generation: 1},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{NodeSelector: map[string]string{"role": "worker"},
					Containers: []corev1.Container{{Name: "agent", Image: image}}}},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
		},
	}
}

func TestSyncPlacesOnePodPerEligibleNode(t *testing.T) {
	ds := newDaemonSet("agent:1")
	worker := map[string]string{"role": "worker"}
	nodes := []*corev1.Node{
		node("w1", worker),
		node("w2", worker, corev1.Taint{Key: "node.kubernetes.io/unschedulable", Effect: corev1.TaintEffectNoSchedule}),
		node("w3", worker, corev1.Taint{Key: "dedicated", Effect: corev1.TaintEffectNoSchedule}),
		node("cp", map[string]string{"role": "control-plane"}),
	}
	objs := []runtime.Object{ds}
	for _, n := range nodes {
		objs = append(objs, n)
	}
	client := fake.NewClientset(objs...)
	n := 0
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		// The fake does not implement generateName.
		n++
		a.(k8stesting.CreateAction).GetObject().(*corev1.Pod).Name = fmt.Sprintf("agent-%d", n)
		return false, nil, nil
	})
	factory := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(100)
	c := New(client, factory, rec, Options{Clock: clocktesting.NewFakeClock(t0)})
	if err := factory.Apps().V1().DaemonSets().Informer().GetIndexer().Add(ds); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if err := factory.Core().V1().Nodes().Informer().GetIndexer().Add(n); err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	if err := c.sync(context.Background(), "default/agent"); err != nil {
		t.Fatal(err)
	}
	var got []string
	var created []*corev1.Pod
	for _, a := range client.Actions() {
		s := a.GetVerb() + " " + a.GetResource().Resource + a.GetSubresource()
		if a.GetVerb() == "create" && a.GetResource().Resource == "pods" {
			p := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
			created = append(created, p)
			s += " " + nodeOf(p)
		}
		got = append(got, s)
	}
	want := []string{"create controllerrevisions", "create pods w1", "create pods w2", "update daemonsetsstatus"}
	if !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	p := created[0]
	if p.Spec.NodeName != "" || p.Labels["controller-revision-hash"] == "" || p.Labels["pod-template-generation"] != "1" ||
		p.GenerateName != "agent-" || len(p.Spec.Tolerations) != 6 {
		t.Fatalf("pod = %+v %+v", p.ObjectMeta, p.Spec)
	}
	st := client.Actions()[3].(k8stesting.UpdateAction).GetObject().(*appsv1.DaemonSet).Status
	if st.DesiredNumberScheduled != 2 || st.CurrentNumberScheduled != 0 || st.NumberUnavailable != 2 || st.ObservedGeneration != 1 {
		t.Fatalf("status = %+v", st)
	}
}
