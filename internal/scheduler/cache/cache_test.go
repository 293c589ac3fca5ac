package cache

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bosun-dev/bosun/internal/scheduler/framework"
)

func node(name string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourcePods: resource.MustParse("110")}}}
}

func pod(name, nodeName, cpu string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}},
	}
}

func requested(t *testing.T, s *framework.Snapshot, name string) int64 {
	t.Helper()
	ni := s.Get(name)
	if ni == nil {
		t.Fatalf("node %s not in snapshot", name)
	}
	return ni.Requested.MilliCPU
}

func TestSnapshotCopiesOnlyChangedNodes(t *testing.T) {
	c := New()
	c.SetNode(node("a"))
	c.SetNode(node("b"))
	s := framework.NewSnapshot(nil, nil)
	c.UpdateSnapshot(s)
	if len(s.Nodes) != 2 {
		t.Fatalf("%d nodes in snapshot", len(s.Nodes))
	}
	before := s.Get("b")
	c.AddPod(pod("p", "a", "1"))
	c.UpdateSnapshot(s)
	if requested(t, s, "a") != 1000 {
		t.Fatal("pod on a not in the snapshot")
	}
	if s.Get("b") != before {
		t.Fatal("unchanged node b was copied again")
	}
}

func TestAssumeConfirmForget(t *testing.T) {
	c := New()
	c.SetNode(node("a"))
	s := framework.NewSnapshot(nil, nil)
	assumed := pod("p", "a", "2")
	c.AssumePod(framework.NewPodInfo(assumed))
	c.UpdateSnapshot(s)
	if requested(t, s, "a") != 2000 {
		t.Fatal("assumed pod not counted")
	}
	c.ForgetPod("p")
	c.UpdateSnapshot(s)
	if requested(t, s, "a") != 0 || c.IsAssumedOrBound("p") {
		t.Fatal("forgotten pod still counted")
	}
	// Confirmed by the informer: ForgetPod no longer applies.
	c.AssumePod(framework.NewPodInfo(assumed))
	c.AddPod(assumed)
	c.ForgetPod("p")
	c.UpdateSnapshot(s)
	if requested(t, s, "a") != 2000 {
		t.Fatal("confirmed pod was forgotten")
	}
}

func TestFinishedPodFreesRoomAndNodeRemoval(t *testing.T) {
	c := New()
	c.SetNode(node("a"))
	c.SetNode(node("b"))
	p := pod("p", "a", "1")
	c.AddPod(p)
	done := p.DeepCopy()
	done.Status.Phase = corev1.PodSucceeded
	c.UpdatePod(done)
	s := framework.NewSnapshot(nil, nil)
	c.UpdateSnapshot(s)
	if requested(t, s, "a") != 0 {
		t.Fatal("finished pod still counted")
	}
	c.RemoveNode("b")
	c.UpdateSnapshot(s)
	if len(s.Nodes) != 1 || s.Get("b") != nil {
		t.Fatal("removed node still in snapshot")
	}
}

func TestPodBeforeItsNodeIsNotANode(t *testing.T) {
	c := New()
	c.AddPod(pod("p", "later", "1"))
	s := framework.NewSnapshot(nil, nil)
	c.UpdateSnapshot(s)
	if len(s.Nodes) != 0 {
		t.Fatal("a node known only from its pods is schedulable")
	}
	c.SetNode(node("later"))
	c.UpdateSnapshot(s)
	if requested(t, s, "later") != 1000 {
		t.Fatal("pod that arrived before its node not counted")
	}
}

func TestNominatedRoomIsHeld(t *testing.T) {
	c := New()
	c.SetNode(node("a"))
	vip := pod("vip", "", "3")
	c.SetNominated(framework.NewPodInfo(vip), "a")
	s := framework.NewSnapshot(nil, nil)
	c.UpdateSnapshot(s)
	if len(s.Get("a").Nominated) != 1 {
		t.Fatal("nomination not in snapshot")
	}
	bound := vip.DeepCopy()
	bound.Spec.NodeName = "a"
	c.AssumePod(framework.NewPodInfo(bound))
	c.UpdateSnapshot(s)
	if len(s.Get("a").Nominated) != 0 || requested(t, s, "a") != 3000 {
		t.Fatal("binding did not turn the nomination into a placement")
	}
}
