package crd

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/fake"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/bosun-dev/bosun/internal/registry"
)

// fakeInstaller records what the controller asked of the API server.
type fakeInstaller struct {
	calls     []string
	installed map[string][]*registry.Resource
	deleteErr error
}

func (f *fakeInstaller) InstallCustomResources(name string, rs []*registry.Resource) error {
	f.calls = append(f.calls, "install "+name)
	if f.installed == nil {
		f.installed = map[string][]*registry.Resource{}
	}
	f.installed[name] = rs
	return nil
}

func (f *fakeInstaller) RemoveCustomResources(name string) {
	f.calls = append(f.calls, "remove "+name)
	delete(f.installed, name)
}

func (f *fakeInstaller) DeleteAllCustomResources(_ context.Context, rs []*registry.Resource) error {
	f.calls = append(f.calls, "deleteall "+rs[0].GVR.GroupResource().String())
	return f.deleteErr
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newTestController(t *testing.T, inst Installer, builtins []*registry.Resource, crds ...*apiextv1.CustomResourceDefinition) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewSimpleClientset()
	for _, c := range crds {
		if _, err := client.ApiextensionsV1().CustomResourceDefinitions().Create(context.Background(), c, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c := NewController(client, inst, WithBuiltins(builtins), WithClock(func() time.Time { return testNow }), WithLogger(quiet))
	for _, crd := range crds {
		if err := c.informer.GetIndexer().Add(crd); err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return c, client
}

// actions renders client actions as "verb resource[/subresource]".
func actions(client *fake.Clientset) []string {
	var out []string
	for _, a := range client.Actions() {
		s := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			s += "/" + a.GetSubresource()
		}
		out = append(out, s)
	}
	return out
}

func condition(crd *apiextv1.CustomResourceDefinition, t apiextv1.CustomResourceDefinitionConditionType) *apiextv1.CustomResourceDefinitionCondition {
	for i := range crd.Status.Conditions {
		if crd.Status.Conditions[i].Type == t {
			return &crd.Status.Conditions[i]
		}
	}
	return nil
}

func lastStatus(t *testing.T, client *fake.Clientset) *apiextv1.CustomResourceDefinition {
	t.Helper()
	acts := client.Actions()
	for i := len(acts) - 1; i >= 0; i-- {
		if u, ok := acts[i].(k8stesting.UpdateAction); ok && u.GetSubresource() == "status" {
			return u.GetObject().(*apiextv1.CustomResourceDefinition)
		}
	}
	t.Fatal("no status update")
	return nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSyncEstablishes(t *testing.T) {
	crd := mustCRD(t, widgetCRD)
	inst := &fakeInstaller{}
	c, client := newTestController(t, inst, nil, crd)
	if err := c.sync(context.Background(), crd.Name); err != nil {
		t.Fatal(err)
	}
	if got := actions(client); !equalStrings(got, []string{"update customresourcedefinitions/status"}) {
		t.Fatalf("actions %v", got)
	}
	if !equalStrings(inst.calls, []string{"install widgets.example.com"}) {
		t.Fatalf("installer calls %v", inst.calls)
	}
	st := lastStatus(t, client)
	na, est := condition(st, apiextv1.NamesAccepted), condition(st, apiextv1.Established)
	if na == nil || na.Status != apiextv1.ConditionTrue || na.Reason != "NoConflicts" {
		t.Fatalf("NamesAccepted %+v", na)
	}
	if est == nil || est.Status != apiextv1.ConditionTrue || est.Reason != "InitialNamesAccepted" || est.Message != "the initial names have been accepted" || !est.LastTransitionTime.Time.Equal(testNow) {
		t.Fatalf("Established %+v", est)
	}
	if st.Status.AcceptedNames.Plural != "widgets" || !equalStrings(st.Status.StoredVersions, []string{"v1"}) {
		t.Fatalf("status %+v", st.Status)
	}
	rs := inst.installed[crd.Name]
	if len(rs) != 1 || rs[0].GVR != (schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}) {
		t.Fatalf("installed %+v", rs)
	}

	// A second sync of the established CRD writes nothing.
	client.ClearActions()
	if err := c.informer.GetIndexer().Update(st); err != nil {
		t.Fatal(err)
	}
	if err := c.sync(context.Background(), crd.Name); err != nil {
		t.Fatal(err)
	}
	if got := actions(client); len(got) != 0 {
		t.Fatalf("actions on resync %v", got)
	}
	if len(inst.calls) != 1 {
		t.Fatalf("reinstalled an unchanged CRD: %v", inst.calls)
	}
}

func TestSyncNameConflict(t *testing.T) {
	other := mustCRD(t, widgetCRD)
	other.Name, other.Spec.Names.Plural = "gadgets.example.com", "gadgets"
	other.Spec.Names.Singular = "gadget"
	other.Spec.Names.ShortNames = []string{"wd"}
	other.Status.AcceptedNames = other.Spec.Names
	crd := mustCRD(t, widgetCRD)
	crd.Spec.Names.ShortNames = []string{"wd"}
	inst := &fakeInstaller{}
	c, client := newTestController(t, inst, nil, crd, other)
	if err := c.sync(context.Background(), crd.Name); err != nil {
		t.Fatal(err)
	}
	if len(inst.calls) != 0 {
		t.Fatalf("installer calls %v", inst.calls)
	}
	st := lastStatus(t, client)
	na, est := condition(st, apiextv1.NamesAccepted), condition(st, apiextv1.Established)
	if na == nil || na.Status != apiextv1.ConditionFalse || na.Reason != "NameConflict" || na.Message != `"Widget" is already in use` {
		t.Fatalf("NamesAccepted %+v", na)
	}
	if est == nil || est.Status != apiextv1.ConditionFalse {
		t.Fatalf("Established %+v", est)
	}
}

func TestSyncBuiltinConflict(t *testing.T) {
	crd := mustCRD(t, widgetCRD)
	crd.Name, crd.Spec.Group = "widgets.apps.k8s.io", "apps.k8s.io"
	builtin := &registry.Resource{GVR: schema.GroupVersionResource{Group: "apps.k8s.io", Version: "v1", Resource: "widgets"}, Kind: "Thing"}
	inst := &fakeInstaller{}
	c, client := newTestController(t, inst, []*registry.Resource{builtin}, crd)
	if err := c.sync(context.Background(), crd.Name); err != nil {
		t.Fatal(err)
	}
	if na := condition(lastStatus(t, client), apiextv1.NamesAccepted); na.Reason != "NameConflict" || na.Message != `"widgets" is already in use` {
		t.Fatalf("NamesAccepted %+v", na)
	}
}

func TestSyncDeletion(t *testing.T) {
	crd := mustCRD(t, widgetCRD)
	crd.Finalizers = []string{CleanupFinalizer, "other"}
	crd.Status.AcceptedNames = crd.Spec.Names
	crd.Status.StoredVersions = []string{"v1"}
	now := metav1.NewTime(testNow)
	crd.DeletionTimestamp = &now
	inst := &fakeInstaller{}
	c, client := newTestController(t, inst, nil, crd)
	if err := c.sync(context.Background(), crd.Name); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"update customresourcedefinitions/status",
		"update customresourcedefinitions/status",
		"update customresourcedefinitions",
	}
	if got := actions(client); !equalStrings(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	if !equalStrings(inst.calls, []string{"deleteall widgets.example.com", "remove widgets.example.com"}) {
		t.Fatalf("installer calls %v", inst.calls)
	}
	first := client.Actions()[0].(k8stesting.UpdateAction).GetObject().(*apiextv1.CustomResourceDefinition)
	if c := condition(first, apiextv1.Terminating); c == nil || c.Reason != "InstanceDeletionInProgress" {
		t.Fatalf("Terminating %+v", c)
	}
	if c := condition(lastStatus(t, client), apiextv1.Terminating); c.Reason != "InstanceDeletionCompleted" {
		t.Fatalf("Terminating %+v", c)
	}
	final := client.Actions()[2].(k8stesting.UpdateAction).GetObject().(*apiextv1.CustomResourceDefinition)
	if !equalStrings(final.Finalizers, []string{"other"}) {
		t.Fatalf("finalizers %v", final.Finalizers)
	}
}

func TestSyncDeletionFailureRetries(t *testing.T) {
	crd := mustCRD(t, widgetCRD)
	crd.Finalizers = []string{CleanupFinalizer}
	crd.Status.AcceptedNames = crd.Spec.Names
	now := metav1.NewTime(testNow)
	crd.DeletionTimestamp = &now
	inst := &fakeInstaller{deleteErr: errors.New("etcd down")}
	c, client := newTestController(t, inst, nil, crd)
	if err := c.sync(context.Background(), crd.Name); err == nil {
		t.Fatal("expected error")
	}
	if c := condition(lastStatus(t, client), apiextv1.Terminating); c.Reason != "InstanceDeletionFailed" {
		t.Fatalf("Terminating %+v", c)
	}
	if !equalStrings(inst.calls, []string{"deleteall widgets.example.com"}) {
		t.Fatalf("installer calls %v", inst.calls)
	}
}

func TestSyncGone(t *testing.T) {
	inst := &fakeInstaller{}
	c, client := newTestController(t, inst, nil)
	if err := c.sync(context.Background(), "widgets.example.com"); err != nil {
		t.Fatal(err)
	}
	if len(client.Actions()) != 0 || !equalStrings(inst.calls, []string{"remove widgets.example.com"}) {
		t.Fatalf("actions %v calls %v", actions(client), inst.calls)
	}
}

func TestRunEstablishesQuickly(t *testing.T) {
	crd := mustCRD(t, widgetCRD)
	client := fake.NewSimpleClientset(crd)
	inst := &fakeInstaller{}
	c := NewController(client, inst, WithLogger(quiet))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		got, err := client.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
		if err == nil {
			if e := condition(got, apiextv1.Established); e != nil && e.Status == apiextv1.ConditionTrue {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("not established within a second")
}

// A stale lister entry for a CRD already deleted from the server ends in
// removal, not a retry loop.
func TestSyncStaleDeletedCRD(t *testing.T) {
	crd := mustCRD(t, widgetCRD)
	crd.Finalizers = []string{CleanupFinalizer}
	crd.Status.AcceptedNames = crd.Spec.Names
	now := metav1.NewTime(testNow)
	crd.DeletionTimestamp = &now
	inst := &fakeInstaller{}
	c, client := newTestController(t, inst, nil, crd)
	if err := client.ApiextensionsV1().CustomResourceDefinitions().Delete(context.Background(), crd.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.sync(context.Background(), crd.Name); err != nil {
		t.Fatalf("sync: %v", err)
	}
	if !equalStrings(inst.calls, []string{"remove widgets.example.com"}) {
		t.Fatalf("installer calls %v", inst.calls)
	}
}
