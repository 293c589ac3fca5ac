package coordination

import (
	"reflect"
	"strings"
	"testing"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

func TestLeaseValidate(t *testing.T) {
	r := leaseRules()
	for _, tc := range []struct {
		name string
		spec coordinationv1.LeaseSpec
		want []string
	}{
		{"valid", coordinationv1.LeaseSpec{HolderIdentity: ptr("node-1_abc"), LeaseDurationSeconds: ptr(int32(40))}, nil},
		{"zero duration", coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr(int32(0))},
			[]string{"spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"}},
		{"negative transitions", coordinationv1.LeaseSpec{LeaseTransitions: ptr(int32(-1))},
			[]string{"spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0"}},
		{"unknown strategy", coordinationv1.LeaseSpec{Strategy: ptr(coordinationv1.CoordinatedLeaseStrategy("Fastest"))},
			[]string{`spec.strategy: Unsupported value: "Fastest": supported values: "OldestEmulationVersion"`}},
		{"custom strategy", coordinationv1.LeaseSpec{Strategy: ptr(coordinationv1.CoordinatedLeaseStrategy("example.com/mine")), PreferredHolder: ptr("a")}, nil},
		{"preferred holder alone", coordinationv1.LeaseSpec{PreferredHolder: ptr("a")},
			[]string{"spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range r.Validate(&coordinationv1.Lease{Spec: tc.spec}) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLeaseTable(t *testing.T) {
	r := leaseRules()
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "kube-scheduler"}, Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr("cp-1_7f3")}}
	if got, want := r.Row(l), []interface{}{"kube-scheduler", "cp-1_7f3", "<unknown>"}; !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if got := r.Row(&coordinationv1.Lease{})[1]; got != "<unknown>" {
		t.Errorf("holder cell without holder: %q", got)
	}
	if len(r.Columns) != 3 {
		t.Errorf("columns %v", r.Columns)
	}
}
