package deployment

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

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
