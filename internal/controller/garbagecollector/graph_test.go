package garbagecollector

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

var cmGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

func obj(uid string, owners ...metav1.OwnerReference) change {
	return change{ref: objectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "n-" + uid, UID: types.UID(uid)}, gvr: cmGVR, owners: owners}
}

func owned(uid string, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "n-" + uid, UID: types.UID(uid), BlockOwnerDeletion: &block}
}

func deleting(ch change, finalizers ...string) change {
	ch.deleting, ch.finalizers = true, finalizers
	return ch
}

func gone(ch change) change {
	ch.deleted = true
	return ch
}

func del(uids ...string) []action {
	var out []action
	for _, u := range uids {
		out = append(out, action{attemptDelete, types.UID(u)})
	}
	return out
}

func sorted(a []action) []action {
	slices.SortFunc(a, func(x, y action) int {
		if x.kind != y.kind {
			return int(x.kind) - int(y.kind)
		}
		if x.uid < y.uid {
			return -1
		}
		if x.uid > y.uid {
			return 1
		}
		return 0
	})
	return a
}

// Each step feeds one observation and lists the work it must queue.
func TestGraphScenarios(t *testing.T) {
	type step struct {
		ch   change
		want []action
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"owner seen first: adding a dependent needs no work", []step{
			{obj("o"), nil},
			{obj("d", owned("o", true)), nil},
		}},
		{"unknown owner is verified for each new dependent until seen", []step{
			{obj("d1", owned("o", false)), del("o")},
			{obj("d2", owned("o", false)), del("o")},
			{obj("o"), nil},
			{obj("d3", owned("o", false)), nil},
		}},
		{"a dependent of an owner already seen deleted is checked", []step{
			{obj("o"), nil},
			{obj("d1", owned("o", false)), nil},
			{gone(obj("o")), del("d1")},
			{obj("d2", owned("o", false)), del("o")},
		}},
		{"background: owner deleted queues its dependents", []step{
			{obj("o"), nil},
			{obj("d1", owned("o", false)), nil},
			{obj("d2", owned("o", true)), nil},
			{gone(obj("o")), del("d1", "d2")},
		}},
		{"a deleted leaf without dependents queues nothing", []step{
			{obj("o"), nil},
			{gone(obj("o")), nil},
			{gone(obj("o")), nil},
		}},
		{"foreground: owner and all dependents are queued once", []step{
			{obj("o"), nil},
			{obj("d1", owned("o", true)), nil},
			{obj("d2", owned("o", false)), nil},
			{deleting(obj("o"), metav1.FinalizerDeleteDependents), del("d1", "d2", "o")},
			{deleting(obj("o"), metav1.FinalizerDeleteDependents, "x"), nil},
			{gone(obj("d2", owned("o", false))), del("o")},
			{gone(obj("d1", owned("o", true))), del("o")},
		}},
		{"foreground: dropping blockOwnerDeletion or the reference unblocks the owner", []step{
			{obj("o"), nil},
			{obj("d1", owned("o", true)), nil},
			{obj("d2", owned("o", true)), nil},
			{deleting(obj("o"), metav1.FinalizerDeleteDependents), del("d1", "d2", "o")},
			{obj("d1", owned("o", false)), del("o")},
			{obj("d2"), del("o")},
		}},
		{"foreground: a dependent added later is queued", []step{
			{deleting(obj("o"), metav1.FinalizerDeleteDependents), del("o")},
			{obj("d", owned("o", true)), del("d")},
		}},
		{"orphan: owner queued for orphaning once", []step{
			{obj("o"), nil},
			{obj("d", owned("o", true)), nil},
			{deleting(obj("o"), metav1.FinalizerOrphanDependents), []action{{attemptOrphan, "o"}}},
			{deleting(obj("o"), metav1.FinalizerOrphanDependents), nil},
		}},
		{"deletion held by other finalizers queues nothing", []step{
			{obj("o"), nil},
			{obj("d", owned("o", true)), nil},
			{deleting(obj("o"), "example.com/hold"), nil},
		}},
		{"chain: deleting the middle queues only its dependents", []step{
			{obj("a"), nil},
			{obj("b", owned("a", true)), nil},
			{obj("c", owned("b", true)), nil},
			{gone(obj("b", owned("a", true))), del("c")},
			{gone(obj("c", owned("b", true))), nil},
			{gone(obj("a")), nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGraph()
			for i, s := range tt.steps {
				got := sorted(g.process(s.ch))
				got = slices.CompactFunc(got, func(x, y action) bool { return x == y })
				if !slices.Equal(got, sorted(s.want)) {
					t.Fatalf("step %d: actions %v, want %v", i, got, s.want)
				}
			}
		})
	}
}

func TestGraphForgetsVirtualOwners(t *testing.T) {
	g := newGraph()
	g.process(obj("d", owned("o", false)))
	if v, ok := g.view("o"); !ok || !v.virtual || len(v.dependents) != 1 {
		t.Fatalf("virtual owner: %+v %v", v, ok)
	}
	if got := g.ownerAbsent("o"); !slices.Equal(got, del("d")) {
		t.Fatalf("absent owner queues %v", got)
	}
	g.process(gone(obj("d", owned("o", false))))
	if len(g.nodes) != 0 {
		t.Fatalf("graph keeps %d nodes after everything went", len(g.nodes))
	}
}

func TestGraphDeletedOwnerWithDependentsStaysVirtual(t *testing.T) {
	g := newGraph()
	g.process(obj("o"))
	g.process(obj("d", owned("o", true)))
	g.process(gone(obj("o")))
	v, ok := g.view("o")
	if !ok || !v.virtual {
		t.Fatalf("deleted owner with dependents should stay virtual: %+v", v)
	}
	// The dependent losing its reference (orphaned or patched) frees it.
	g.process(obj("d"))
	if _, ok := g.view("o"); ok {
		t.Fatal("virtual owner outlived its last dependent")
	}
}

func TestViewBlocking(t *testing.T) {
	g := newGraph()
	g.process(obj("o"))
	g.process(obj("d1", owned("o", true)))
	g.process(obj("d2", owned("o", false)))
	g.process(deleting(obj("d3", owned("o", true))))
	v, _ := g.view("o")
	var names []string
	for _, d := range v.blocking() {
		names = append(names, string(d.ref.UID))
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"d1", "d3"}) {
		t.Fatalf("blocking %v, want d1 d3", names)
	}
}
