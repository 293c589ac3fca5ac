package disruption

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stesting "k8s.io/client-go/testing"
)

func disruptedPod(name string, since time.Duration) *corev1.Pod {
	p := readyPod(name, true)
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget,
		Status: corev1.ConditionTrue, Reason: "EvictionByEvictionAPI", LastTransitionTime: metav1.NewTime(now.Add(-since))})
	return p
}

func TestStaleDisruption(t *testing.T) {
	deleting := disruptedPod("d", time.Hour)
	deleting.DeletionTimestamp = &metav1.Time{Time: now}
	tests := []struct {
		name    string
		pod     *corev1.Pod
		has     bool
		waitFor time.Duration
	}{
		{"fresh condition waits", disruptedPod("a", 30*time.Second), true, 90 * time.Second},
		{"old condition is stale", disruptedPod("b", 3*time.Minute), true, -time.Minute},
		{"deleting pod is left alone", deleting, false, 0},
		{"no condition", readyPod("c", true), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			has, in := staleDisruption(tt.pod, now)
			if has != tt.has || in != tt.waitFor {
				t.Fatalf("got %v %v, want %v %v", has, in, tt.has, tt.waitFor)
			}
		})
	}
}

func TestSyncStaleResetsCondition(t *testing.T) {
	c, client, _ := newTestController(t, disruptedPod("a", 3*time.Minute), disruptedPod("b", time.Second))
	if err := c.syncStale(context.Background(), "ns/b"); err != nil {
		t.Fatal(err)
	}
	if len(client.Actions()) != 0 {
		t.Fatalf("a fresh condition was touched: %v", client.Actions())
	}
	if err := c.syncStale(context.Background(), "ns/a"); err != nil {
		t.Fatal(err)
	}
	actions := client.Actions()
	if len(actions) != 1 || actions[0].GetSubresource() != "status" {
		t.Fatalf("actions = %v, want one status update", actions)
	}
	pod := actions[0].(k8stesting.UpdateAction).GetObject().(*corev1.Pod)
	cond := pod.Status.Conditions[1]
	if cond.Type != corev1.DisruptionTarget || cond.Status != corev1.ConditionFalse || !cond.LastTransitionTime.Time.Equal(now) {
		t.Fatalf("condition = %+v", cond)
	}
}
