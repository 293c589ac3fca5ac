package replicaset

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestSlowStartBatches(t *testing.T) {
	for _, tc := range []struct {
		count, failAt, wantCalls, wantDone int
	}{
		{count: 10, failAt: 0, wantCalls: 10, wantDone: 10},
		{count: 10, failAt: 1, wantCalls: 1, wantDone: 0},
		{count: 10, failAt: 2, wantCalls: 3, wantDone: 2}, // batches 1, 2
		{count: 10, failAt: 4, wantCalls: 7, wantDone: 6}, // batches 1, 2, 4
		{count: 0, failAt: 0, wantCalls: 0, wantDone: 0},
	} {
		var calls atomic.Int32
		done, err := slowStart(tc.count, func() error {
			if n := int(calls.Add(1)); tc.failAt > 0 && n == tc.failAt {
				return errors.New("boom")
			}
			return nil
		})
		if int(calls.Load()) != tc.wantCalls || done != tc.wantDone || (err != nil) != (tc.failAt > 0) {
			t.Errorf("count %d failAt %d: calls %d done %d err %v", tc.count, tc.failAt, calls.Load(), done, err)
		}
	}
}

func TestPodsToDeleteRanking(t *testing.T) {
	rs := newRS("web", 0)
	restarted := newPod("restarted", rs, onNode("n3"), running)
	restarted.Status.ContainerStatuses = []corev1.ContainerStatus{{RestartCount: 5}}
	pods := []*corev1.Pod{
		newPod("ready-old", rs, onNode("n1"), readyAt(t0)),
		newPod("ready-new", rs, onNode("n2"), readyAt(t0.Add(time.Minute))),
		newPod("running", rs, onNode("n4"), running, createdAt(t0.Add(-time.Hour))),
		restarted,
		newPod("unknown", rs, onNode("n5"), func(p *corev1.Pod) { p.Status.Phase = corev1.PodUnknown }),
		newPod("pending", rs, onNode("n6")),
		newPod("unassigned", rs),
	}
	got := podNames(podsToDelete(pods, len(pods)-1))
	want := []string{"unassigned", "pending", "unknown", "restarted", "running", "ready-new"}
	if !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
	// Among equals, a pod sharing its node with siblings goes first.
	crowded := []*corev1.Pod{
		newPod("alone", rs, onNode("a"), readyAt(t0)),
		newPod("shared1", rs, onNode("b"), readyAt(t0)),
		newPod("shared2", rs, onNode("b"), readyAt(t0)),
	}
	if got := podNames(podsToDelete(crowded, 1)); got[0] == "alone" {
		t.Fatalf("deleted %v, want a pod of the crowded node", got)
	}
}

func podNames(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestCalculateStatusMinReadySeconds(t *testing.T) {
	rs := newRS("web", 3)
	rs.Spec.MinReadySeconds = 10
	rs.Generation = 4
	stray := newPod("unlabelled", rs, readyAt(t0.Add(-time.Minute)))
	stray.Labels = map[string]string{}
	pods := []*corev1.Pod{
		newPod("long-ready", rs, readyAt(t0.Add(-time.Minute))),
		newPod("just-ready", rs, readyAt(t0.Add(-3*time.Second))),
		newPod("not-ready", rs, running),
		stray,
	}
	s, wait := calculateStatus(rs, pods, 1, nil, t0)
	if *s.TerminatingReplicas != 1 || s.Replicas != 4 || s.FullyLabeledReplicas != 3 || s.ReadyReplicas != 3 || s.AvailableReplicas != 2 || s.ObservedGeneration != 4 {
		t.Fatalf("status = %+v", s)
	}
	if wait != 7*time.Second {
		t.Fatalf("requeue after %v, want 7s", wait)
	}
	_, wait = calculateStatus(rs, pods[:1], 0, nil, t0)
	if wait != 0 {
		t.Fatalf("requeue after %v with every ready pod available", wait)
	}
}

func TestCalculateStatusReplicaFailureCondition(t *testing.T) {
	rs := newRS("web", 3)
	s, _ := calculateStatus(rs, nil, 0, errors.New("quota"), t0)
	if len(s.Conditions) != 1 || s.Conditions[0].Reason != "FailedCreate" || s.Conditions[0].Message != "quota" {
		t.Fatalf("conditions = %+v", s.Conditions)
	}
	rs.Status = s
	s, _ = calculateStatus(rs, nil, 0, nil, t0)
	if len(s.Conditions) != 0 {
		t.Fatalf("condition kept after success: %+v", s.Conditions)
	}
}
