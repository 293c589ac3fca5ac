package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// parkOne leaves pod p parked as unschedulable on a full cluster.
func parkOne(t *testing.T) *fixture {
	t.Helper()
	full := testPod("full", "2", 0)
	full.Spec.NodeName = "n1"
	f := newFixture(t, testNode("n1", "2"), full, testPod("p", "1", 0))
	f.scheduleNext()
	if _, _, parked := f.s.queue.Counts(); parked != 1 {
		t.Fatal("pod not parked")
	}
	return f
}

func requeued(f *fixture) bool {
	a, b, _ := f.s.queue.Counts()
	return a+b > 0
}

func TestHeartbeatDoesNotWakeParkedPods(t *testing.T) {
	f := parkOne(t)
	old := testNode("n1", "2")
	old.ResourceVersion = "1"
	cur := old.DeepCopy()
	cur.ResourceVersion = "2"
	cur.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	f.s.nodeUpdated(old, cur)
	if requeued(f) {
		t.Fatal("a status heartbeat woke the parked pod")
	}
	bigger := cur.DeepCopy()
	bigger.ResourceVersion = "3"
	bigger.Status.Allocatable[corev1.ResourceCPU] = resource.MustParse("4")
	f.s.nodeUpdated(cur, bigger)
	if !requeued(f) {
		t.Fatal("more allocatable did not wake the parked pod")
	}
}

func TestBoundPodEventsWakeParkedPods(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *corev1.Pod)
		delete bool
		wake   bool
	}{
		{name: "status only", change: func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning }},
		{name: "finished", change: func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }, wake: true},
		{name: "labels changed", change: func(p *corev1.Pod) { p.Labels = map[string]string{"app": "x"} }, wake: true},
		{name: "deleted", delete: true, wake: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parkOne(t)
			old := testPod("full", "2", 0)
			old.Spec.NodeName = "n1"
			if tt.delete {
				f.s.podDeleted(old)
			} else {
				cur := old.DeepCopy()
				cur.ResourceVersion = "2"
				tt.change(cur)
				f.s.podUpdated(old, cur)
			}
			if requeued(f) != tt.wake {
				t.Fatalf("woken = %v, want %v", requeued(f), tt.wake)
			}
		})
	}
}

func TestOwnStatusWriteDoesNotWakeParkedPod(t *testing.T) {
	f := parkOne(t)
	old := testPod("p", "1", 0)
	cur := old.DeepCopy()
	cur.ResourceVersion = "2"
	cur.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable"}}
	f.s.podUpdated(old, cur)
	if requeued(f) {
		t.Fatal("our own condition patch woke the pod: it would spin")
	}
}

func TestNominationFromAnEarlierLeaderIsHeld(t *testing.T) {
	f := newFixture(t, testNode("n1", "2"), testPod("low", "1", 0))
	vip := testPod("vip", "2", 1000)
	vip.Status.NominatedNodeName = "n1"
	// The preemptor is still backing off when a lower-priority pod comes.
	f.s.holdNomination(vip)
	f.scheduleNext()
	if _, _, parked := f.s.queue.Counts(); parked != 1 {
		t.Fatal("low-priority pod took the room held for the preemptor")
	}
}
