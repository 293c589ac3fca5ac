package garbagecollector

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
)

func TestDeletableResources(t *testing.T) {
	all := []string{"create", "get", "list", "watch", "delete", "patch"}
	disc := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{Resources: []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "pods", Namespaced: true, Kind: "Pod", Verbs: all},
			{Name: "pods/status", Namespaced: true, Kind: "Pod", Verbs: []string{"get", "patch", "update"}},
			{Name: "events", Namespaced: true, Kind: "Event", Verbs: all},
			{Name: "bindings", Namespaced: true, Kind: "Binding", Verbs: []string{"create"}},
		}},
		{GroupVersion: "events.k8s.io/v1", APIResources: []metav1.APIResource{{Name: "events", Namespaced: true, Kind: "Event", Verbs: all}}},
		{GroupVersion: "authentication.k8s.io/v1", APIResources: []metav1.APIResource{{Name: "tokenreviews", Kind: "TokenReview", Verbs: []string{"create"}}}},
		{GroupVersion: "example.com/v1", APIResources: []metav1.APIResource{{Name: "gadgets", Namespaced: true, Kind: "Gadget", Verbs: all}}},
	}}}
	c := New(fake.NewClientset(), metadatafake.NewSimpleMetadataClient(metadatafake.NewTestScheme()), disc, record.NewFakeRecorder(1), Options{})
	got, err := c.deletableResources()
	if err != nil {
		t.Fatal(err)
	}
	want := map[schema.GroupVersionResource]schema.GroupVersionKind{
		{Version: "v1", Resource: "pods"}:                          {Version: "v1", Kind: "Pod"},
		{Group: "example.com", Version: "v1", Resource: "gadgets"}: {Group: "example.com", Version: "v1", Kind: "Gadget"},
	}
	if len(got) != len(want) {
		t.Fatalf("resources %v, want %v", got, want)
	}
	for gvr, gvk := range want {
		if got[gvr] != gvk {
			t.Fatalf("resources %v, want %v", got, want)
		}
	}
}

func TestSlimKeepsOnlyWhatTheGraphReads(t *testing.T) {
	now := metav1.Now()
	in := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Name: "a", Namespace: "ns", UID: "u", ResourceVersion: "7", DeletionTimestamp: &now,
		Labels: map[string]string{"x": "y"}, Annotations: map[string]string{"big": "..."},
		OwnerReferences: []metav1.OwnerReference{{UID: "o"}}, Finalizers: []string{"f"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
	}}
	out, err := slim(in)
	if err != nil {
		t.Fatal(err)
	}
	m := out.(*metav1.PartialObjectMetadata)
	if m.Labels != nil || m.Annotations != nil || m.ManagedFields != nil {
		t.Fatalf("slim kept labels, annotations or managed fields: %+v", m)
	}
	if m.UID != "u" || m.ResourceVersion != "7" || m.DeletionTimestamp == nil || len(m.OwnerReferences) != 1 || len(m.Finalizers) != 1 {
		t.Fatalf("slim lost what the graph needs: %+v", m)
	}
}
