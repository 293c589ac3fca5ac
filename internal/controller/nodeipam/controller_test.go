package nodeipam

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
)

func node(name, podCIDR string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: "1"}}
	if podCIDR != "" {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = podCIDR, []string{podCIDR}
	}
	return n
}

type fixture struct {
	client   *fake.Clientset
	factory  informers.SharedInformerFactory
	recorder *record.FakeRecorder
	c        *Controller
}

func newFixture(t *testing.T, opts Options, nodes ...*corev1.Node) *fixture {
	t.Helper()
	objs := make([]runtime.Object, len(nodes))
	for i, n := range nodes {
		objs[i] = n
	}
	f := &fixture{client: fake.NewSimpleClientset(objs...), recorder: record.NewFakeRecorder(10)}
	f.factory = informers.NewSharedInformerFactory(f.client, 0)
	f.c = New(f.client, f.factory, f.recorder, opts)
	for _, n := range nodes {
		if err := f.factory.Core().V1().Nodes().Informer().GetIndexer().Add(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.c.rebuild(); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) sync(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := f.c.sync(context.Background(), n); err != nil {
			t.Fatalf("sync %s: %v", n, err)
		}
	}
}

// patches lists the client's patches as "node body".
func (f *fixture) patches() []string {
	var out []string
	for _, a := range f.client.Actions() {
		if p, ok := a.(k8stesting.PatchAction); ok {
			out = append(out, fmt.Sprintf("%s %s %s", p.GetName(), p.GetPatchType(), p.GetPatch()))
		}
	}
	return out
}

func (f *fixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func want(node, cidr string) string {
	return fmt.Sprintf(`%s application/strategic-merge-patch+json {"spec":{"podCIDR":"%s","podCIDRs":["%s"]}}`, node, cidr, cidr)
}

func TestSyncAssignsNextFreeBlockAfterRebuild(t *testing.T) {
	f := newFixture(t, Options{},
		node("a", "10.244.0.0/24"), node("b", ""), node("c", "10.244.1.0/24"), node("d", ""), node("e", "192.168.0.0/24"))
	f.sync(t, "a", "b", "c", "d", "e", "gone")
	got, wantPatches := fmt.Sprint(f.patches()), fmt.Sprint([]string{want("b", "10.244.2.0/24"), want("d", "10.244.3.0/24")})
	if got != wantPatches {
		t.Fatalf("patches %s\nwant %s", got, wantPatches)
	}
	if ev := f.events(); len(ev) != 0 {
		t.Fatalf("events %q", ev)
	}
}

func TestSyncRepatchesTheSameBlockUntilTheCacheShowsIt(t *testing.T) {
	f := newFixture(t, Options{}, node("b", ""))
	f.sync(t, "b", "b")
	got, wantPatches := fmt.Sprint(f.patches()), fmt.Sprint([]string{want("b", "10.244.0.0/24"), want("b", "10.244.0.0/24")})
	if got != wantPatches {
		t.Fatalf("patches %s\nwant %s", got, wantPatches)
	}
}

func TestFullThenDeletionMakesRoom(t *testing.T) {
	f := newFixture(t, Options{ClusterCIDR: "10.0.0.0/23", NodeCIDRMaskSize: 24},
		node("a", "10.0.0.0/24"), node("b", ""), node("c", ""))
	f.sync(t, "b", "c")
	if ev := fmt.Sprint(f.events()); ev != "[Normal CIDRNotAvailable Node c status is now: CIDRNotAvailable]" {
		t.Fatalf("events %s", ev)
	}
	if got := fmt.Sprint(f.patches()); got != fmt.Sprint([]string{want("b", "10.0.1.0/24")}) {
		t.Fatalf("patches %s", got)
	}

	// The cache catches up with b's patch; then a goes away: its block is
	// freed and c, still waiting, is requeued.
	indexer := f.factory.Core().V1().Nodes().Informer().GetIndexer()
	a := node("a", "10.0.0.0/24")
	if err := indexer.Update(node("b", "10.0.1.0/24")); err != nil {
		t.Fatal(err)
	}
	if err := indexer.Delete(a); err != nil {
		t.Fatal(err)
	}
	f.c.nodeDeleted(cache.DeletedFinalStateUnknown{Key: "a", Obj: a})
	if f.c.queue.Len() != 1 {
		t.Fatalf("queue holds %d keys, want c alone", f.c.queue.Len())
	}
	key, _ := f.c.queue.Get()
	f.c.queue.Done(key)
	f.sync(t, key)
	if got := f.patches(); got[len(got)-1] != want("c", "10.0.0.0/24") {
		t.Fatalf("after deletion, patches %s", got)
	}
}

func TestInvalidOptionsDoNotStart(t *testing.T) {
	client := fake.NewSimpleClientset()
	c := New(client, informers.NewSharedInformerFactory(client, 0), record.NewFakeRecorder(1), Options{ClusterCIDR: "fd00::/48"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.Run(ctx, 1) // returns at once instead of waiting on ctx
	if c.optsErr == nil {
		t.Fatal("IPv6 cluster CIDR accepted")
	}
}

func TestRunAssignsThroughTheInformer(t *testing.T) {
	client := fake.NewSimpleClientset(node("old", "10.244.0.0/24"))
	factory := informers.NewSharedInformerFactory(client, 0)
	c := New(client, factory, record.NewFakeRecorder(10), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, 1); close(done) }()
	factory.Start(ctx.Done())
	defer func() { cancel(); <-done; factory.Shutdown() }()

	if _, err := client.CoreV1().Nodes().Create(ctx, node("new", ""), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := client.CoreV1().Nodes().Get(ctx, "new", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n.Spec.PodCIDR != "" {
			if n.Spec.PodCIDR != "10.244.1.0/24" || fmt.Sprint(n.Spec.PodCIDRs) != "[10.244.1.0/24]" {
				t.Fatalf("new node got %q %v, want 10.244.1.0/24 (10.244.0.0/24 is old's)", n.Spec.PodCIDR, n.Spec.PodCIDRs)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("new node never got a pod CIDR")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
