package garbagecollector

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestDecide(t *testing.T) {
	leaf := view{}
	parent := view{dependents: []dependentView{{}}}
	parentOfForeground := view{dependents: []dependentView{{foreground: true}}}
	st := func(uid string, s ownerState) ownerStatus { return ownerStatus{uid: types.UID(uid), state: s} }
	uids := func(s ...string) []types.UID {
		var out []types.UID
		for _, u := range s {
			out = append(out, types.UID(u))
		}
		return out
	}
	tests := []struct {
		name       string
		owners     []ownerStatus
		v          view
		finalizers []string
		want       verdict
	}{
		{"no owners", nil, leaf, nil, verdict{}},
		{"all owners present", []ownerStatus{st("a", ownerSolid), st("b", ownerSolid)}, leaf, nil, verdict{}},
		{"one owner gone, one present: drop the dangling reference",
			[]ownerStatus{st("a", ownerSolid), st("b", ownerDangling)}, leaf, nil, verdict{removeRefs: uids("b")}},
		{"present owner and one waiting: drop the waiting reference",
			[]ownerStatus{st("a", ownerSolid), st("b", ownerWaiting)}, parent, nil, verdict{removeRefs: uids("b")}},
		{"all gone: background", []ownerStatus{st("a", ownerDangling)}, parent, nil,
			verdict{delete: true, policy: metav1.DeletePropagationBackground}},
		{"all gone, own orphan finalizer kept", []ownerStatus{st("a", ownerDangling)}, leaf, []string{metav1.FinalizerOrphanDependents},
			verdict{delete: true, policy: metav1.DeletePropagationOrphan}},
		{"all gone, own foreground finalizer kept", []ownerStatus{st("a", ownerDangling)}, leaf, []string{metav1.FinalizerDeleteDependents},
			verdict{delete: true, policy: metav1.DeletePropagationForeground}},
		{"owner waiting, leaf: background", []ownerStatus{st("a", ownerWaiting)}, leaf, nil,
			verdict{delete: true, policy: metav1.DeletePropagationBackground}},
		{"owner waiting, has dependents: foreground", []ownerStatus{st("a", ownerWaiting), st("b", ownerDangling)}, parent, nil,
			verdict{delete: true, policy: metav1.DeletePropagationForeground}},
		{"owner waiting, a dependent also waiting: unblock first",
			[]ownerStatus{st("a", ownerWaiting)}, parentOfForeground, nil,
			verdict{delete: true, policy: metav1.DeletePropagationForeground, unblockRefs: uids("a")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decide(tt.owners, tt.v, tt.finalizers); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}
