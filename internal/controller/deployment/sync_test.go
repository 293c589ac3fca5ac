package deployment

import (
	"errors"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
)

func TestSyncCreatesFirstReplicaSet(t *testing.T) {
	d := rolling(3, "25%", "25%")
	d.Annotations = map[string]string{"kubernetes.io/change-cause": "kubectl create"}
	f := newFixture(t, d)
	f.sync(t)
	want := []string{"create replicasets", "update deployments", "update deployments/status", "update deployments/status"}
	if got := f.verbs(); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	created := written[*appsv1.ReplicaSet](f, "replicasets")[0]
	if *created.Spec.Replicas != 3 || created.Annotations[revisionAnnotation] != "1" ||
		created.Annotations["kubernetes.io/change-cause"] != "kubectl create" || metav1.GetControllerOf(created).UID != d.UID {
		t.Fatalf("replica set = %+v", created)
	}
	ds := written[*appsv1.Deployment](f, "deployments")
	if ds[0].Annotations[revisionAnnotation] != "1" {
		t.Fatalf("deployment revision = %q", ds[0].Annotations[revisionAnnotation])
	}
	checkConditions(t, "created", ds[1].Status, map[appsv1.DeploymentConditionType]string{
		appsv1.DeploymentProgressing: `True NewReplicaSetCreated Created new replica set "` + created.Name + `"`,
	})
	if ev := f.events(); !slices.Equal(ev, []string{"Normal ScalingReplicaSet Scaled up replica set " + created.Name + " from 0 to 3"}) {
		t.Fatalf("events = %v", ev)
	}
}

func TestSyncRollingStepSurgesThenWaits(t *testing.T) {
	d := rolling(3, "25%", "25%")
	d.Annotations = map[string]string{revisionAnnotation: "1"}
	old := owned(d, "v1", 0, 3, 3, "1")
	old.Annotations[desiredReplicasAnnotation] = "3"
	d.Spec.Template.Spec.Containers[0].Image = "v2"
	d.Generation = 2
	f := newFixture(t, d, old)
	f.sync(t)
	rss := written[*appsv1.ReplicaSet](f, "replicasets")
	if len(rss) != 1 || *rss[0].Spec.Replicas != 1 || rss[0].Annotations[revisionAnnotation] != "2" {
		t.Fatalf("written replica sets = %v", f.verbs())
	}
	ev := f.events()
	if len(ev) != 1 || !strings.HasSuffix(ev[0], "from 0 to 1") {
		t.Fatalf("events = %v", ev)
	}
	// maxUnavailable 0 of 3 (25% rounds down): the old ReplicaSet is not
	// touched until a new pod is available.
	for _, a := range f.client.Actions() {
		if u, ok := a.(k8stesting.UpdateAction); ok && a.GetVerb() == "update" && a.GetResource().Resource == "replicasets" {
			t.Fatalf("old replica set scaled early: %v", u.GetObject())
		}
	}
}

func TestSyncScalesDownOldWhenNewAvailable(t *testing.T) {
	d := rolling(3, "25%", "25%")
	d.Spec.Template.Spec.Containers[0].Image = "v2"
	d.Annotations = map[string]string{revisionAnnotation: "2"}
	old := owned(d, "v1", 0, 3, 3, "1")
	nw := owned(d, "v2", 1, 1, 1, "2")
	for _, r := range []*appsv1.ReplicaSet{old, nw} {
		setReplicasAnnotations(r, 3, 4)
	}
	d.Status.Conditions = []appsv1.DeploymentCondition{newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonRSUpdated, "", t0)}
	f := newFixture(t, d, old, nw)
	f.sync(t)
	if want := []string{"update replicasets", "update deployments/status"}; !slices.Equal(f.verbs(), want) {
		t.Fatalf("actions = %v, want %v", f.verbs(), want)
	}
	upd := written[*appsv1.ReplicaSet](f, "replicasets")[0]
	if upd.Name != old.Name || *upd.Spec.Replicas != 2 {
		t.Fatalf("scaled %s to %d, want %s to 2", upd.Name, *upd.Spec.Replicas, old.Name)
	}
	if ev := f.events(); !slices.Equal(ev, []string{"Normal ScalingReplicaSet Scaled down replica set " + old.Name + " from 3 to 2"}) {
		t.Fatalf("events = %v", ev)
	}
}

func TestSyncPausedOnlyScales(t *testing.T) {
	d := rolling(5, "25%", "25%")
	d.Spec.Paused = true
	d.Annotations = map[string]string{revisionAnnotation: "1"}
	old := owned(d, "v1", 0, 3, 3, "1")
	setReplicasAnnotations(old, 3, 4)
	d.Spec.Template.Spec.Containers[0].Image = "v2"
	f := newFixture(t, d, old)
	f.sync(t)
	for _, r := range written[*appsv1.ReplicaSet](f, "replicasets") {
		if r.Name != old.Name || *r.Spec.Replicas != 5 {
			t.Fatalf("paused deployment wrote %s with %d replicas", r.Name, *r.Spec.Replicas)
		}
	}
	if slices.Contains(f.verbs(), "create replicasets") {
		t.Fatal("paused deployment rolled out")
	}
	ds := written[*appsv1.Deployment](f, "deployments")
	checkConditions(t, "paused", ds[0].Status, map[appsv1.DeploymentConditionType]string{
		appsv1.DeploymentProgressing: "Unknown DeploymentPaused Deployment is paused",
	})
}

func TestSyncRecreateWaitsForOldPods(t *testing.T) {
	d := rolling(2, "25%", "25%")
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	d.Annotations = map[string]string{revisionAnnotation: "1"}
	old := owned(d, "v1", 0, 0, 0, "1")
	old.Status.Replicas = 1 // scaled down, a pod still terminating
	setReplicasAnnotations(old, 2, 2)
	d.Spec.Template.Spec.Containers[0].Image = "v2"
	f := newFixture(t, d, old)
	f.sync(t)
	if slices.Contains(f.verbs(), "create replicasets") {
		t.Fatalf("new replica set created while old pods run: %v", f.verbs())
	}

	old.Status.Replicas = 0
	f = newFixture(t, d, old)
	f.sync(t)
	rss := written[*appsv1.ReplicaSet](f, "replicasets")
	if len(rss) != 1 || *rss[0].Spec.Replicas != 2 || rss[0].Annotations[revisionAnnotation] != "2" {
		t.Fatalf("actions = %v", f.verbs())
	}
}

func TestSyncCleansUpHistory(t *testing.T) {
	d := rolling(1, "25%", "25%")
	d.Spec.RevisionHistoryLimit = ptr(int32(1))
	d.Spec.Template.Spec.Containers[0].Image = "v4"
	d.Annotations = map[string]string{revisionAnnotation: "4"}
	objs := []runtime.Object{d}
	for i, img := range []string{"v1", "v2", "v3"} {
		objs = append(objs, owned(d, img, i, 0, 0, string(rune('1'+i))))
	}
	nw := owned(d, "v4", 9, 1, 1, "4")
	setReplicasAnnotations(nw, 1, 2)
	objs = append(objs, nw)
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1}
	f := newFixture(t, objs...)
	f.sync(t)
	var deleted []string
	for _, a := range f.client.Actions() {
		if del, ok := a.(k8stesting.DeleteAction); ok {
			deleted = append(deleted, del.GetName())
		}
	}
	if len(deleted) != 2 || deleted[0] != objs[1].(*appsv1.ReplicaSet).Name || deleted[1] != objs[2].(*appsv1.ReplicaSet).Name {
		t.Fatalf("deleted %v, want the two oldest revisions", deleted)
	}
}

func TestSyncAdoptsOrphanReplicaSet(t *testing.T) {
	d := rolling(1, "25%", "25%")
	orphan := owned(d, "v1", 0, 1, 1, "1")
	orphan.OwnerReferences = nil
	f := newFixture(t, d, orphan)
	f.sync(t)
	got := f.verbs()
	if len(got) < 2 || got[0] != "get deployments" || got[1] != "patch replicasets" {
		t.Fatalf("actions = %v", got)
	}
	if slices.Contains(got, "create replicasets") {
		t.Fatal("created a replica set beside the adopted one")
	}
}

func TestSyncDeletedDeploymentIsNoop(t *testing.T) {
	f := newFixture(t)
	f.sync(t)
	if len(f.client.Actions()) != 0 {
		t.Fatalf("actions = %v", f.verbs())
	}
}

func TestSyncSelectAllIsRefused(t *testing.T) {
	d := rolling(1, "25%", "25%")
	d.Spec.Selector = &metav1.LabelSelector{}
	f := newFixture(t, d)
	f.sync(t)
	if want := []string{"update deployments/status"}; !slices.Equal(f.verbs(), want) {
		t.Fatalf("actions = %v", f.verbs())
	}
	if ev := f.events(); len(ev) != 1 || !strings.Contains(ev[0], "SelectingAll") {
		t.Fatalf("events = %v", ev)
	}
}

func TestSyncInvalidSelectorIsAnEvent(t *testing.T) {
	d := rolling(1, "25%", "25%")
	d.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}
	f := newFixture(t, d)
	f.sync(t)
	if len(f.client.Actions()) != 0 {
		t.Fatalf("actions = %v", f.verbs())
	}
	if ev := f.events(); len(ev) != 1 || !strings.HasPrefix(ev[0], "Warning InvalidSelector") {
		t.Fatalf("events = %v", ev)
	}
}

func TestSyncScaleRetriesConflictOnUnchangedSpec(t *testing.T) {
	d := rolling(3, "25%", "25%")
	d.Spec.Template.Spec.Containers[0].Image = "v2"
	d.Annotations = map[string]string{revisionAnnotation: "2"}
	d.Status.Conditions = []appsv1.DeploymentCondition{newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonRSUpdated, "", t0)}
	old := owned(d, "v1", 0, 3, 3, "1")
	nw := owned(d, "v2", 1, 1, 1, "2")
	for _, r := range []*appsv1.ReplicaSet{old, nw} {
		setReplicasAnnotations(r, 3, 4)
	}
	f := newFixture(t, d, old, nw)
	conflicts := 1
	f.client.PrependReactor("update", "replicasets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts > 0 {
			conflicts--
			return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "apps", Resource: "replicasets"}, old.Name, errors.New("stale"))
		}
		return false, nil, nil
	})
	f.sync(t)
	want := []string{"update replicasets", "get replicasets", "update replicasets", "update deployments/status"}
	if got := f.verbs(); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
}
