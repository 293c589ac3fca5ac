package deployment

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
)

func TestRolloutConditions(t *testing.T) {
	d := rolling(3, "25%", "25%")
	nw := rs("web-abc", 1, 3, 3)
	s := rolloutStatus(d, []*appsv1.ReplicaSet{nw}, nw, t0)
	want := map[appsv1.DeploymentConditionType]string{
		appsv1.DeploymentAvailable:   "True MinimumReplicasAvailable Deployment has minimum availability.",
		appsv1.DeploymentProgressing: `True NewReplicaSetAvailable ReplicaSet "web-abc" has successfully progressed.`,
	}
	checkConditions(t, "complete", s, want)
	if s.Replicas != 3 || s.UpdatedReplicas != 3 || s.AvailableReplicas != 3 || s.ReadyReplicas != 3 || s.ObservedGeneration != 1 {
		t.Fatalf("counts = %+v", s)
	}

	// Rolling: new RS has 1 of 3, old has 3; progress since last status.
	d.Status = appsv1.DeploymentStatus{Replicas: 3, AvailableReplicas: 3}
	nw, old := rs("web-new", 1, 1, 0), rs("web-old", 0, 3, 3)
	s = rolloutStatus(d, []*appsv1.ReplicaSet{old, nw}, nw, t0)
	checkConditions(t, "progressing", s, map[appsv1.DeploymentConditionType]string{
		appsv1.DeploymentAvailable:   "True MinimumReplicasAvailable Deployment has minimum availability.",
		appsv1.DeploymentProgressing: `True ReplicaSetUpdated ReplicaSet "web-new" is progressing.`,
	})
	if s.UnavailableReplicas != 1 {
		t.Fatalf("unavailable = %d, want 1", s.UnavailableReplicas)
	}

	// No progress for longer than the deadline.
	d.Status = s
	later := t0.Add(601 * time.Second)
	s = rolloutStatus(d, []*appsv1.ReplicaSet{old, nw}, nw, later)
	checkConditions(t, "timed out", s, map[appsv1.DeploymentConditionType]string{
		appsv1.DeploymentProgressing: `False ProgressDeadlineExceeded ReplicaSet "web-new" has timed out progressing.`,
	})
	if _, ok := stuckRequeue(d, &s, later); ok {
		t.Error("timed-out deployment requeued")
	}
	if after, ok := stuckRequeue(d, &d.Status, t0.Add(100*time.Second)); !ok || after != 500*time.Second {
		t.Errorf("stuck requeue = %v %v, want 500s", after, ok)
	}

	// Too few available.
	d = rolling(4, "0", "1")
	nw = rs("web-x", 1, 4, 2)
	s = rolloutStatus(d, []*appsv1.ReplicaSet{nw}, nw, t0)
	checkConditions(t, "unavailable", s, map[appsv1.DeploymentConditionType]string{
		appsv1.DeploymentAvailable: "False MinimumReplicasUnavailable Deployment does not have minimum availability.",
	})
}

func checkConditions(t *testing.T, name string, s appsv1.DeploymentStatus, want map[appsv1.DeploymentConditionType]string) {
	t.Helper()
	for typ, w := range want {
		c := getCondition(&s, typ)
		if c == nil {
			t.Fatalf("%s: no %s condition", name, typ)
		}
		if got := fmt.Sprintf("%s %s %s", c.Status, c.Reason, c.Message); got != w {
			t.Fatalf("%s: %s = %q, want %q", name, typ, got, w)
		}
	}
}
