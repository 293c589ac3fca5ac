package replicaset

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
)

func TestSyncCreatesMissingPodsOnce(t *testing.T) {
	rs := newRS("web", 3)
	f := newFixture(t, rs)
	if err := f.c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	want := []string{"create pods", "create pods", "create pods", "update replicasets/status"}
	if got := verbs(f.client); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	created := f.client.Actions()[0].(k8stesting.CreateAction).GetObject().(*corev1.Pod)
	if created.GenerateName != "web-" || created.Labels["app"] != "web" || metav1ControllerUID(created) != rs.UID {
		t.Fatalf("pod = %+v", created.ObjectMeta)
	}
	events := drain(f.recorder)
	if len(events) != 3 || !strings.HasPrefix(events[0], "Normal SuccessfulCreate Created pod: web-") {
		t.Fatalf("events = %v", events)
	}
	// The informer has not shown the pods yet: a second sync must not
	// create them again.
	f.client.ClearActions()
	if err := f.c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	for _, v := range verbs(f.client) {
		if v == "create pods" {
			t.Fatalf("duplicate create while expectations pending: %v", verbs(f.client))
		}
	}
	// Expectations lapse after five minutes (a lost watch event).
	f.clock.Step(expectationsTimeout + time.Second)
	f.client.ClearActions()
	if err := f.c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(verbs(f.client), ","), "create pods"); n != 3 {
		t.Fatalf("after timeout created %d pods, want 3", n)
	}
}

func metav1ControllerUID(p *corev1.Pod) any {
	for _, r := range p.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			return r.UID
		}
	}
	return nil
}

func TestSyncDeletesLeastValuablePods(t *testing.T) {
	rs := newRS("web", 1)
	f := newFixture(t, rs,
		newPod("ready", rs, onNode("n1"), readyAt(t0)),
		newPod("unready", rs, onNode("n2"), running),
		newPod("pending", rs),
	)
	if err := f.c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	got := verbs(f.client)
	sort.Strings(got[:2])
	want := []string{"delete pods pending", "delete pods unready", "update replicasets/status"}
	if !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	events := drain(f.recorder)
	sort.Strings(events)
	if !slices.Equal(events, []string{"Normal SuccessfulDelete Deleted pod: pending", "Normal SuccessfulDelete Deleted pod: unready"}) {
		t.Fatalf("events = %v", events)
	}
}

func TestSyncAdoptsOrphansAndReleasesStrays(t *testing.T) {
	rs := newRS("web", 2)
	stray := newPod("stray", rs)
	stray.Labels = map[string]string{"app": "other"}
	f := newFixture(t, rs, newPod("orphan", rs, orphan), stray, newPod("mine", rs))
	if err := f.c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	got := verbs(f.client)
	want := []string{"patch pods stray", "get replicasets", "patch pods orphan", "update replicasets/status"}
	sort.Strings(got[:3])
	sort.Strings(want[:3])
	if !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	for _, a := range f.client.Actions() {
		if p, ok := a.(k8stesting.PatchAction); ok && p.GetName() == "stray" && !strings.Contains(string(p.GetPatch()), `"$patch":"delete"`) {
			t.Fatalf("release patch = %s", p.GetPatch())
		}
	}
	if s := lastStatus(t, f.client); s.Replicas != 2 {
		t.Fatalf("status replicas = %d, want 2", s.Replicas)
	}
}

func TestSyncReplacesTerminatingAndFinishedPods(t *testing.T) {
	rs := newRS("web", 3)
	done := newPod("done", rs, running)
	done.Status.Phase = corev1.PodSucceeded
	f := newFixture(t, rs, newPod("a", rs, running), newPod("b", rs, running, terminating), done)
	if err := f.c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	want := []string{"create pods", "create pods", "update replicasets/status"}
	if got := verbs(f.client); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	if s := lastStatus(t, f.client); s.Replicas != 1 || *s.TerminatingReplicas != 1 {
		t.Fatalf("status replicas = %d terminating %v, want 1 and 1", s.Replicas, s.TerminatingReplicas)
	}
}

func TestSyncCreateFailureStopsSlowStart(t *testing.T) {
	rs := newRS("web", 10)
	f := newFixture(t, rs)
	quota := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("exceeded quota: q"))
	f.client.PrependReactor("create", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, quota
	})
	if err := f.c.sync(context.Background(), "ns/web"); err == nil {
		t.Fatal("sync succeeded despite failing creates")
	}
	want := []string{"create pods", "update replicasets/status"}
	if got := verbs(f.client); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	events := drain(f.recorder)
	if len(events) != 1 || !strings.HasPrefix(events[0], "Warning FailedCreate Error creating: pods is forbidden: exceeded quota") {
		t.Fatalf("events = %v", events)
	}
	s := lastStatus(t, f.client)
	if len(s.Conditions) != 1 || s.Conditions[0].Type != appsv1.ReplicaSetReplicaFailure || s.Conditions[0].Reason != "FailedCreate" {
		t.Fatalf("conditions = %+v", s.Conditions)
	}
	// The failed creates were never going to be observed.
	if !f.c.expectations.satisfied("ns/web") {
		t.Fatal("expectations still pending after failed creates")
	}
}

func TestSyncDeletedReplicaSetIsNoop(t *testing.T) {
	f := newFixture(t)
	if err := f.c.sync(context.Background(), "ns/gone"); err != nil {
		t.Fatal(err)
	}
	if got := verbs(f.client); len(got) != 0 {
		t.Fatalf("actions = %v", got)
	}
}

func TestSyncStatusConflictRetriesOnFreshCopy(t *testing.T) {
	rs := newRS("web", 1)
	f := newFixture(t, rs, newPod("a", rs, readyAt(t0)))
	conflicts := 1
	f.client.PrependReactor("update", "replicasets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "status" && conflicts > 0 {
			conflicts--
			return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "replicasets"}, "web", errors.New("stale"))
		}
		return false, nil, nil
	})
	if err := f.c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	want := []string{"update replicasets/status", "get replicasets", "update replicasets/status"}
	if got := verbs(f.client); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	if s := lastStatus(t, f.client); s.ReadyReplicas != 1 || s.AvailableReplicas != 1 {
		t.Fatalf("status = %+v", s)
	}
}
