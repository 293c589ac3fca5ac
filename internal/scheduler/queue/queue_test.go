package queue

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
)

func testPod(name string, prio int32) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec:       corev1.PodSpec{Priority: &prio},
	}
}

func newTestQueue() (*Queue, *clocktesting.FakeClock) {
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	return New(Options{Clock: clk}), clk
}

func mustPop(t *testing.T, q *Queue) *QueuedPod {
	t.Helper()
	if a, _, _ := q.Counts(); a == 0 {
		t.Fatal("nothing active to pop")
	}
	qp, ok := q.Pop()
	if !ok {
		t.Fatal("queue closed")
	}
	return qp
}

func TestPopOrdersByPriorityThenArrival(t *testing.T) {
	q, clk := newTestQueue()
	for i, p := range []*corev1.Pod{testPod("low", 0), testPod("high", 100), testPod("low2", 0), testPod("high2", 100)} {
		clk.Step(time.Duration(i) * time.Millisecond)
		q.Add(p)
	}
	var got []string
	for i := 0; i < 4; i++ {
		got = append(got, mustPop(t, q).Pod.Name)
	}
	if fmt.Sprint(got) != "[high high2 low low2]" {
		t.Fatalf("order %v", got)
	}
}

func TestUnschedulableWaitsForChangeOrOneMinute(t *testing.T) {
	q, clk := newTestQueue()
	q.Add(testPod("p", 0))
	q.Unschedulable(mustPop(t, q))
	clk.Step(30 * time.Second)
	q.Flush()
	if a, b, u := q.Counts(); a != 0 || b != 0 || u != 1 {
		t.Fatalf("counts %d/%d/%d, want parked", a, b, u)
	}
	// Our own status write (same spec and labels) must not wake it.
	p := testPod("p", 0)
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse}}
	q.Update(p)
	if _, _, u := q.Counts(); u != 1 {
		t.Fatal("status update woke the parked pod")
	}
	clk.Step(31 * time.Second)
	q.Flush()
	if a, _, _ := q.Counts(); a != 1 {
		t.Fatal("pod not retried after a minute parked")
	}
}

func TestClusterChangeMovesParkedPods(t *testing.T) {
	q, clk := newTestQueue()
	q.Add(testPod("p", 0))
	q.Unschedulable(mustPop(t, q))
	// Still inside its 1 s backoff: the move lands it in backoff.
	q.MoveAllToActiveOrBackoff()
	if a, b, _ := q.Counts(); a != 0 || b != 1 {
		t.Fatalf("counts %d/%d, want backoff", a, b)
	}
	clk.Step(time.Second)
	q.Flush()
	qp := mustPop(t, q)
	q.Unschedulable(qp)
	clk.Step(5 * time.Second)
	q.MoveAllToActiveOrBackoff()
	if a, _, _ := q.Counts(); a != 1 {
		t.Fatal("backoff long over, pod should be active")
	}
}

func TestChangeDuringAttemptBacksOffInsteadOfParking(t *testing.T) {
	q, _ := newTestQueue()
	q.Add(testPod("p", 0))
	qp := mustPop(t, q)
	q.MoveAllToActiveOrBackoff()
	q.Unschedulable(qp)
	if _, b, u := q.Counts(); b != 1 || u != 0 {
		t.Fatalf("backoff %d parked %d, want the pod backing off", b, u)
	}
}

func TestBackoffDoublesToTenSeconds(t *testing.T) {
	q, _ := newTestQueue()
	want := []time.Duration{1, 2, 4, 8, 10, 10}
	for i, w := range want {
		if got := q.backoffFor(i + 1); got != w*time.Second {
			t.Errorf("attempt %d: backoff %v, want %v", i+1, got, w*time.Second)
		}
	}
}

func TestRetryBacksOff(t *testing.T) {
	q, clk := newTestQueue()
	q.Add(testPod("p", 0))
	q.Retry(mustPop(t, q))
	q.Flush()
	if a, b, _ := q.Counts(); a != 0 || b != 1 {
		t.Fatalf("counts %d/%d", a, b)
	}
	clk.Step(time.Second)
	q.Flush()
	if a, _, _ := q.Counts(); a != 1 {
		t.Fatal("not active after backoff")
	}
}

func TestSpecChangeWakesParkedPod(t *testing.T) {
	q, _ := newTestQueue()
	q.Add(testPod("p", 0))
	q.Unschedulable(mustPop(t, q))
	p := testPod("p", 0)
	p.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	q.Update(p)
	if _, b, u := q.Counts(); b != 1 || u != 0 {
		t.Fatalf("backoff %d parked %d, want woken into backoff", b, u)
	}
}

func TestDeleteAndClose(t *testing.T) {
	q, _ := newTestQueue()
	q.Add(testPod("p", 0))
	q.Delete("p")
	if a, _, _ := q.Counts(); a != 0 {
		t.Fatal("deleted pod still active")
	}
	done := make(chan bool)
	go func() { _, ok := q.Pop(); done <- ok }()
	q.Close()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("Pop returned a pod after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Pop did not return after Close")
	}
}
