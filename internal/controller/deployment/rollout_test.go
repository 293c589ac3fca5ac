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
