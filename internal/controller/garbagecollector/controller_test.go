package garbagecollector

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
)

var nsGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// fixture is a collector over fake clients, seeded with live objects that
// the graph also knows (as if the informers had delivered them).
type fixture struct {
	c        *Controller
	md       *metadatafake.FakeMetadataClient
	recorder *record.FakeRecorder
}

func newFixture(t *testing.T, objs ...*metav1.PartialObjectMetadata) *fixture {
	t.Helper()
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	var ros []runtime.Object
	for _, o := range objs {
		ros = append(ros, o)
	}
	md := metadatafake.NewSimpleMetadataClient(scheme, ros...)
	disc := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{Resources: []*metav1.APIResourceList{{
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{
			{Name: "configmaps", Namespaced: true, Kind: "ConfigMap", Verbs: []string{"get", "list", "watch", "delete", "patch"}},
			{Name: "namespaces", Namespaced: false, Kind: "Namespace", Verbs: []string{"get", "list", "watch", "delete", "patch"}},
		},
	}}}}
	recorder := record.NewFakeRecorder(10)
	c := New(fake.NewClientset(), md, disc, recorder, Options{})
	for _, o := range objs {
		gvr := cmGVR
		if o.Kind == "Namespace" {
			gvr = nsGVR
		}
		c.graph.process(change{ref: objectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, UID: o.UID},
			gvr: gvr, owners: o.OwnerReferences, deleting: o.DeletionTimestamp != nil, finalizers: o.Finalizers, resourceVersion: o.ResourceVersion})
	}
	return &fixture{c: c, md: md, recorder: recorder}
}

func cm(name string, owners ...metav1.OwnerReference) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "n-" + name, UID: types.UID(name), ResourceVersion: "1", OwnerReferences: owners},
	}
}

func terminating(o *metav1.PartialObjectMetadata, finalizers ...string) *metav1.PartialObjectMetadata {
	now := metav1.Now()
	o.DeletionTimestamp, o.Finalizers = &now, finalizers
	return o
}

// verbs renders the client actions as "verb resource name [detail]".
func (f *fixture) verbs() []string {
	var out []string
	for _, a := range f.md.Actions() {
		s := a.GetVerb() + " " + a.GetResource().Resource
		// Delete and patch actions also have names: test them first.
		switch a := a.(type) {
		case clienttesting.DeleteAction:
			opts := a.GetDeleteOptions()
			s += " " + a.GetName() + " " + string(*opts.PropagationPolicy)
			if opts.Preconditions == nil || opts.Preconditions.UID == nil {
				s += " NO-UID-PRECONDITION"
			}
		case clienttesting.PatchAction:
			var p struct {
				Metadata map[string]json.RawMessage `json:"metadata"`
			}
			_ = json.Unmarshal(a.GetPatch(), &p)
			keys := make([]string, 0, len(p.Metadata))
			for k, v := range p.Metadata {
				if k != "resourceVersion" {
					keys = append(keys, k+"="+string(v))
				}
			}
			slices.Sort(keys)
			s += " " + a.GetName() + " " + strings.Join(keys, ",")
		case clienttesting.GetAction:
			s += " " + a.GetName()
		}
		out = append(out, s)
	}
	return out
}

func (f *fixture) expect(t *testing.T, want ...string) {
	t.Helper()
	if got := f.verbs(); !slices.Equal(got, want) {
		t.Fatalf("actions:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestAttemptToDeleteCollectsWhenAllOwnersGone(t *testing.T) {
	f := newFixture(t, cm("d", owned("o", false)))
	if err := f.c.attemptToDelete(context.Background(), "d"); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "get configmaps n-o", "delete configmaps n-d Background")
}

// A stale informer copy makes the delete conflict; the live object decides.
func TestAttemptToDeleteRereadsOnConflict(t *testing.T) {
	f := newFixture(t, cm("o"), cm("d", owned("gone", false)))
	// Since the informer saw it, the dependent was adopted by o.
	live := cm("d", owned("gone", false), owned("o", false))
	live.ResourceVersion = "2"
	if err := f.md.Tracker().Update(cmGVR, live, "ns"); err != nil {
		t.Fatal(err)
	}
	f.md.PrependReactor("delete", "configmaps", func(a clienttesting.Action) (bool, runtime.Object, error) {
		pre := a.(clienttesting.DeleteAction).GetDeleteOptions().Preconditions
		if *pre.ResourceVersion != "2" {
			return true, nil, apierrors.NewConflict(cmGVR.GroupResource(), "n-d", errors.New("stale"))
		}
		return false, nil, nil
	})
	if err := f.c.attemptToDelete(context.Background(), "d"); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "get configmaps n-gone", "delete configmaps n-d Background",
		"get configmaps n-d", "get configmaps n-o", "get configmaps n-d",
		`patch configmaps n-d ownerReferences=[{"apiVersion":"v1","kind":"ConfigMap","name":"n-o","uid":"o","blockOwnerDeletion":false}]`)
}

func TestAttemptToDeleteRemembersAbsentOwners(t *testing.T) {
	f := newFixture(t, cm("d1", owned("o", false)), cm("d2", owned("o", false)))
	for _, uid := range []types.UID{"d1", "d2"} {
		if err := f.c.attemptToDelete(context.Background(), uid); err != nil {
			t.Fatal(err)
		}
	}
	f.expect(t, "get configmaps n-o", "delete configmaps n-d1 Background", "delete configmaps n-d2 Background")
}

func TestAttemptToDeleteTrimsDanglingReference(t *testing.T) {
	f := newFixture(t, cm("a"), cm("d", owned("a", false), owned("gone", false)))
	if err := f.c.attemptToDelete(context.Background(), "d"); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "get configmaps n-a", "get configmaps n-gone",
		"get configmaps n-d", `patch configmaps n-d ownerReferences=[{"apiVersion":"v1","kind":"ConfigMap","name":"n-a","uid":"a","blockOwnerDeletion":false}]`)
}

func TestAttemptToDeleteKeepsDependentOfLiveOwner(t *testing.T) {
	f := newFixture(t, cm("o"), cm("d", owned("o", true)))
	if err := f.c.attemptToDelete(context.Background(), "d"); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "get configmaps n-o")
}

func TestAttemptToDeleteForegroundOwner(t *testing.T) {
	// The dependent has a dependent of its own, so it goes in the foreground too.
	f := newFixture(t, terminating(cm("o"), metav1.FinalizerDeleteDependents), cm("d", owned("o", true)), cm("leaf", owned("d", true)))
	ctx := context.Background()
	if err := f.c.attemptToDelete(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	// The owner still has a blocking dependent: no write to it.
	if err := f.c.attemptToDelete(ctx, "o"); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "get configmaps n-o", "delete configmaps n-d Foreground")
	f.c.graph.process(change{deleted: true, ref: objectRef{UID: "d"}})
	if err := f.c.attemptToDelete(ctx, "o"); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "get configmaps n-o", "delete configmaps n-d Foreground",
		"get configmaps n-o", "patch configmaps n-o finalizers=[]")
}

func TestAttemptToOrphan(t *testing.T) {
	f := newFixture(t, terminating(cm("o"), metav1.FinalizerOrphanDependents, "x/hold"), cm("d", owned("o", true)))
	if err := f.c.attemptToOrphan(context.Background(), "o"); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "get configmaps n-d", "patch configmaps n-d ownerReferences=[]",
		"get configmaps n-o", `patch configmaps n-o finalizers=["x/hold"]`)
}

func TestVerifyVirtualOwner(t *testing.T) {
	f := newFixture(t, cm("d", owned("o", false)))
	if err := f.c.attemptToDelete(context.Background(), "o"); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "get configmaps n-o")
	if got := f.c.deleteQueue.Len(); got != 1 {
		t.Fatalf("queued %d dependents of the absent owner, want 1", got)
	}
}

func TestClusterScopedDependentOfNamespacedOwner(t *testing.T) {
	dep := &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: "n-d", UID: "d", ResourceVersion: "1", OwnerReferences: []metav1.OwnerReference{owned("o", false)}},
	}
	f := newFixture(t, dep)
	if err := f.c.attemptToDelete(context.Background(), "d"); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "delete namespaces n-d Background")
	if ev := <-f.recorder.Events; !strings.HasPrefix(ev, "Warning OwnerRefInvalidNamespace ownerRef [v1/ConfigMap, namespace: , name: n-o, uid: o]") {
		t.Fatalf("event %q", ev)
	}
}
