package deployment

import (
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func rolling(replicas int32, surge, unavailable string) *appsv1.Deployment {
	s, u := intstr.Parse(surge), intstr.Parse(unavailable)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "web-uid", Generation: 1},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "v1"}}},
			},
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &s, MaxUnavailable: &u},
			},
			RevisionHistoryLimit:    ptr(int32(10)),
			ProgressDeadlineSeconds: ptr(int32(600)),
		},
	}
}

// rs makes a ReplicaSet of the given age order (higher is newer) with
// replicas and available pods.
func rs(name string, age int, replicas, available int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "ns", UID: types.UID(name + "-uid"),
			CreationTimestamp: metav1.NewTime(t0.Add(time.Duration(age) * time.Minute)),
			Annotations:       map[string]string{},
		},
		Spec:   appsv1.ReplicaSetSpec{Replicas: ptr(replicas)},
		Status: appsv1.ReplicaSetStatus{Replicas: replicas, ReadyReplicas: available, AvailableReplicas: available},
	}
}

func annotate(r *appsv1.ReplicaSet, kv ...string) *appsv1.ReplicaSet {
	for i := 0; i+1 < len(kv); i += 2 {
		r.Annotations[kv[i]] = kv[i+1]
	}
	return r
}

func TestResolveFenceposts(t *testing.T) {
	for _, tc := range []struct {
		surge, unavailable string
		desired            int32
		wantS, wantU       int32
	}{
		{"25%", "25%", 3, 1, 0},
		{"25%", "25%", 4, 1, 1},
		{"25%", "25%", 10, 3, 2},
		{"25%", "25%", 1000, 250, 250},
		{"0", "0", 5, 0, 1},
		{"0%", "0%", 5, 0, 1},
		{"1", "0", 5, 1, 0},
		{"50%", "10%", 5, 3, 0},
		{"2", "3", 0, 2, 3},
	} {
		s, u := intstr.Parse(tc.surge), intstr.Parse(tc.unavailable)
		gs, gu := resolveFenceposts(&s, &u, tc.desired)
		if gs != tc.wantS || gu != tc.wantU {
			t.Errorf("%s/%s of %d = %d/%d, want %d/%d", tc.surge, tc.unavailable, tc.desired, gs, gu, tc.wantS, tc.wantU)
		}
	}
	if got := maxUnavailable(rolling(2, "0", "5")); got != 2 {
		t.Errorf("maxUnavailable above replicas = %d, want 2", got)
	}
}

func TestNewRSReplicas(t *testing.T) {
	for _, tc := range []struct {
		name         string
		d            *appsv1.Deployment
		old, newSize int32
		want         int32
	}{
		{"first rollout takes all", rolling(3, "25%", "25%"), 0, 0, 3},
		{"surge of one", rolling(3, "25%", "25%"), 3, 0, 1},
		{"surge used up", rolling(3, "25%", "25%"), 3, 1, 1},
		{"room after old shrank", rolling(10, "25%", "25%"), 6, 5, 7},
		{"never above spec", rolling(10, "25%", "25%"), 1, 9, 10},
		{"1000 with 25% surge", rolling(1000, "25%", "25%"), 1000, 0, 250},
	} {
		old, nw := rs("old", 0, tc.old, tc.old), rs("new", 1, tc.newSize, 0)
		if got := newRSReplicas(tc.d, []*appsv1.ReplicaSet{old, nw}, nw); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	recreate := rolling(4, "1", "1")
	recreate.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if got := newRSReplicas(recreate, nil, rs("new", 1, 0, 0)); got != 4 {
		t.Errorf("recreate: %d, want 4", got)
	}
}

func steps(ss []scaleStep) []string {
	var out []string
	for _, s := range ss {
		out = append(out, fmt.Sprintf("%s=%d", s.rs.Name, s.replicas))
	}
	return out
}

func TestPlanOldScaleDown(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    *appsv1.Deployment
		olds []*appsv1.ReplicaSet
		nw   *appsv1.ReplicaSet
		want []string
	}{
		{"nothing old", rolling(3, "25%", "25%"), []*appsv1.ReplicaSet{rs("a", 0, 0, 0)}, rs("n", 1, 3, 3), nil},
		{"new not available yet, no unavailable budget", rolling(3, "25%", "25%"),
			[]*appsv1.ReplicaSet{rs("a", 0, 3, 3)}, rs("n", 1, 1, 0), nil},
		{"new pod available frees one old", rolling(3, "25%", "25%"),
			[]*appsv1.ReplicaSet{rs("a", 0, 3, 3)}, rs("n", 1, 1, 1), []string{"a=2"}},
		{"unhealthy old pods go first", rolling(4, "25%", "25%"),
			[]*appsv1.ReplicaSet{rs("a", 0, 2, 0), rs("b", 1, 3, 3)}, rs("n", 2, 0, 0), []string{"a=0"}},
		{"oldest first within unavailable budget", rolling(10, "25%", "25%"),
			[]*appsv1.ReplicaSet{rs("a", 0, 2, 2), rs("b", 1, 8, 8)}, rs("n", 2, 3, 0), []string{"a=0"}},
		{"1000 replicas first step", rolling(1000, "25%", "25%"),
			[]*appsv1.ReplicaSet{rs("a", 0, 1000, 1000)}, rs("n", 1, 250, 0), []string{"a=750"}},
	} {
		if got := steps(planOldScaleDown(tc.d, tc.olds, tc.nw)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPlanScale(t *testing.T) {
	mid := func(replicas int32) *appsv1.Deployment {
		d := rolling(replicas, "3", "2")
		d.Status.Replicas = 13
		return d
	}
	for _, tc := range []struct {
		name string
		d    *appsv1.Deployment
		nw   *appsv1.ReplicaSet
		olds []*appsv1.ReplicaSet
		want []string
	}{
		{"single active takes all", rolling(5, "25%", "25%"), rs("n", 1, 3, 3), []*appsv1.ReplicaSet{rs("a", 0, 0, 0)}, []string{"n=5"}},
		{"single active already sized", rolling(3, "25%", "25%"), rs("n", 1, 3, 3), nil, nil},
		{"none active: newest", rolling(2, "25%", "25%"), nil, []*appsv1.ReplicaSet{rs("a", 0, 0, 0), rs("b", 1, 0, 0)}, []string{"b=2"}},
		{"saturated new retires old", rolling(3, "25%", "25%"),
			annotate(rs("n", 1, 3, 3), desiredReplicasAnnotation, "3"), []*appsv1.ReplicaSet{rs("a", 0, 1, 1)}, []string{"a=0"}},
		// 10 replicas, surge 3: new 8, old 5 (13 = 10+3). Scale to 20:
		// 23 allowed, +10 split 8:5 of max-replicas 13.
		{"proportional up", mid(20),
			annotate(rs("n", 1, 8, 0), maxReplicasAnnotation, "13"), []*appsv1.ReplicaSet{annotate(rs("a", 0, 5, 5), maxReplicasAnnotation, "13")},
			[]string{"n=14", "a=9"}},
		{"proportional down", mid(5),
			annotate(rs("n", 1, 8, 0), maxReplicasAnnotation, "13"), []*appsv1.ReplicaSet{annotate(rs("a", 0, 5, 5), maxReplicasAnnotation, "13")},
			[]string{"n=5", "a=3"}},
	} {
		if got := steps(planScale(tc.d, tc.nw, tc.olds)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIsScalingEvent(t *testing.T) {
	d := rolling(5, "25%", "25%")
	if !isScalingEvent(d, []*appsv1.ReplicaSet{annotate(rs("n", 1, 3, 3), desiredReplicasAnnotation, "3")}) {
		t.Error("annotation 3 vs spec 5 is a scaling event")
	}
	if isScalingEvent(d, []*appsv1.ReplicaSet{annotate(rs("n", 1, 0, 0), desiredReplicasAnnotation, "3")}) {
		t.Error("inactive replica sets do not count")
	}
}

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

func TestRevisionAnnotations(t *testing.T) {
	d := rolling(3, "25%", "25%")
	d.Annotations = map[string]string{"kubernetes.io/change-cause": "v2", lastAppliedAnnotation: "{}", revisionAnnotation: "9"}
	r := rs("n", 0, 3, 3)
	if !setNewReplicaSetAnnotations(d, r, "1", false) {
		t.Fatal("no change reported")
	}
	want := map[string]string{"kubernetes.io/change-cause": "v2", revisionAnnotation: "1", desiredReplicasAnnotation: "3", maxReplicasAnnotation: "4"}
	if fmt.Sprint(r.Annotations) != fmt.Sprint(want) {
		t.Fatalf("annotations = %v, want %v", r.Annotations, want)
	}
	// Rolled back to: revision 1 becomes 5, history keeps 1, then 5.
	setNewReplicaSetAnnotations(d, r, "5", true)
	setNewReplicaSetAnnotations(d, r, "7", true)
	if r.Annotations[revisionAnnotation] != "7" || r.Annotations[revisionHistoryAnnotation] != "1,5" {
		t.Fatalf("annotations = %v", r.Annotations)
	}
	if setNewReplicaSetAnnotations(d, r, "3", true) {
		t.Fatal("a lower revision must not replace a higher one")
	}
}

func TestTemplateHash(t *testing.T) {
	d := rolling(3, "25%", "25%")
	h := templateHash(&d.Spec.Template, nil)
	if h != templateHash(d.Spec.Template.DeepCopy(), nil) {
		t.Fatal("hash not stable")
	}
	if h == templateHash(&d.Spec.Template, ptr(int32(1))) {
		t.Fatal("collisionCount does not change the hash")
	}
	other := d.Spec.Template.DeepCopy()
	other.Spec.Containers[0].Image = "v2"
	if h == templateHash(other, nil) {
		t.Fatal("different templates hash alike")
	}
	r := newReplicaSetFor(d, 3, "1")
	if r.Name != "web-"+h || r.Spec.Selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] != h ||
		r.Spec.Template.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != h || r.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != h {
		t.Fatalf("replica set = %+v", r.ObjectMeta)
	}
	if d.Spec.Template.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != "" || d.Spec.Selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] != "" {
		t.Fatal("deployment mutated")
	}
	if !equalIgnoreHash(&r.Spec.Template, &d.Spec.Template) || equalIgnoreHash(other, &d.Spec.Template) {
		t.Fatal("equalIgnoreHash")
	}
}
