package apps

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

func replicaSet(mutate func(*appsv1.ReplicaSet)) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: meta("web-5d4f"),
		Spec:       appsv1.ReplicaSetSpec{Selector: webSelector(), Template: podTemplate()},
	}
	replicaSetRules().Default(rs)
	if mutate != nil {
		mutate(rs)
	}
	return rs
}

func TestReplicaSetDefaults(t *testing.T) {
	if got := replicaSet(nil).Spec.Replicas; got == nil || *got != 1 {
		t.Errorf("replicas = %v, want 1", got)
	}
}

func TestReplicaSetValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*appsv1.ReplicaSet)
		want   []string
	}{
		{name: "valid"},
		{name: "negative", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Replicas = int32Ptr(-1); rs.Spec.MinReadySeconds = -1 },
			want: []string{
				"spec.replicas: Invalid value: -1: must be greater than or equal to 0",
				"spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
			}},
		{name: "empty selector", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Selector = &metav1.LabelSelector{} },
			want: []string{"spec.selector: Invalid value: {}: empty selector is invalid for deployment"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, replicaSetRules().Validate(replicaSet(tc.mutate)), tc.want...)
		})
	}
}

func TestReplicaSetUpdateAndStatus(t *testing.T) {
	r := replicaSetRules()
	old := replicaSet(nil)
	n := replicaSet(func(rs *appsv1.ReplicaSet) {
		rs.Spec.Selector.MatchLabels["x"] = "y"
		rs.Spec.Template.Labels["x"] = "y"
	})
	wantErrors(t, r.ValidateUpdate(n, old), `spec.selector: Invalid value: {"matchLabels":{"app":"web","x":"y"}}: field is immutable`)

	st := replicaSet(func(rs *appsv1.ReplicaSet) {
		rs.Status = appsv1.ReplicaSetStatus{Replicas: 1, FullyLabeledReplicas: 2, ReadyReplicas: 1, AvailableReplicas: 1}
	})
	wantErrors(t, r.ValidateStatusUpdate(st, old), "status.fullyLabeledReplicas: Invalid value: 2: cannot be greater than the number of replicas")
}

func TestReplicaSetTableAndFields(t *testing.T) {
	r := replicaSetRules()
	rs := replicaSet(func(rs *appsv1.ReplicaSet) {
		rs.Spec.Replicas = int32Ptr(3)
		rs.Status = appsv1.ReplicaSetStatus{Replicas: 3, ReadyReplicas: 1}
	})
	want := []interface{}{"web-5d4f", int64(3), int64(3), int64(1), "<unknown>", "web", "nginx:1.27", "app=web"}
	if got := r.Row(rs); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if len(r.Columns) != len(want) {
		t.Errorf("%d columns for %d cells", len(r.Columns), len(want))
	}
	if got := r.Fields(rs); !reflect.DeepEqual(got, fields.Set{"status.replicas": "3"}) {
		t.Errorf("fields %v", got)
	}
}
