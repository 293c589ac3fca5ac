package routes

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
)

type fixture struct {
	c       *Controller
	ip      *fakeIP
	logs    *bytes.Buffer
	cs      *fake.Clientset
	indexer cache.Indexer
	// watching is closed once the informer's watch is open: the fake
	// clientset drops events sent before it.
	watching chan struct{}
}

func newFixture(t *testing.T, ip *fakeIP, objs ...*corev1.Node) *fixture {
	t.Helper()
	var seed []runtime.Object
	for _, o := range objs {
		seed = append(seed, o)
	}
	cs := fake.NewClientset(seed...)
	watching := make(chan struct{})
	var once sync.Once
	cs.PrependWatchReactor("nodes", func(k8stesting.Action) (bool, watch.Interface, error) {
		once.Do(func() { close(watching) })
		return false, nil, nil
	})
	factory := informers.NewSharedInformerFactory(cs, 0)
	logs := &bytes.Buffer{}
	c := New(Config{Factory: factory, NodeName: "a", Run: ip.run,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return &fixture{c: c, ip: ip, logs: logs, cs: cs, watching: watching,
		indexer: factory.Core().V1().Nodes().Informer().GetIndexer()}
}

func TestSyncConverges(t *testing.T) {
	ip := newFakeIP("192.168.1.0/24")
	ip.add("10.244.9.0/24", "192.168.1.9", Proto) // node deleted while the agent was down
	ip.add("10.50.0.0/16", "192.168.1.254", "boot")
	f := newFixture(t, ip,
		node("a", "192.168.1.1", "10.244.0.0/24"),
		node("b", "192.168.1.2", "10.244.1.0/24"),
		node("c", "192.168.1.3", "10.244.2.0/24"),
		node("d", "", ""))
	ctx := context.Background()
	if err := f.c.sync(ctx, syncKey); err != nil {
		t.Fatal(err)
	}
	wantCalls := []string{
		"route del 10.244.9.0/24 proto 0xb5",
		"route replace 10.244.1.0/24 via 192.168.1.2 proto 0xb5",
		"route replace 10.244.2.0/24 via 192.168.1.3 proto 0xb5",
	}
	if got := ip.takeCalls(); !slices.Equal(got, wantCalls) {
		t.Fatalf("first sync ran %q, want %q", got, wantCalls)
	}
	wantTable := []string{"10.50.0.0/16 via 192.168.1.254 boot", "10.244.1.0/24 via 192.168.1.2 0xb5", "10.244.2.0/24 via 192.168.1.3 0xb5"}
	if got := ip.table(); !slices.Equal(got, wantTable) {
		t.Fatalf("table %q, want %q", got, wantTable)
	}
	if !strings.Contains(f.logs.String(), `node=d`) {
		t.Errorf("no debug log for the node without pod CIDR:\n%s", f.logs)
	}

	if err := f.c.sync(ctx, syncKey); err != nil {
		t.Fatal(err)
	}
	if got := ip.takeCalls(); len(got) != 0 {
		t.Fatalf("sync in steady state ran %q", got)
	}

	if err := f.indexer.Delete(node("c", "192.168.1.3", "10.244.2.0/24")); err != nil {
		t.Fatal(err)
	}
	if err := f.c.sync(ctx, syncKey); err != nil {
		t.Fatal(err)
	}
	if got, want := ip.takeCalls(), []string{"route del 10.244.2.0/24 proto 0xb5"}; !slices.Equal(got, want) {
		t.Fatalf("after deleting node c ran %q, want %q", got, want)
	}
}

func TestSyncWarnsOnceAboutNonAdjacentNode(t *testing.T) {
	ip := newFakeIP("192.168.1.0/24")
	f := newFixture(t, ip,
		node("b", "192.168.1.2", "10.244.1.0/24"),
		node("far", "172.16.0.5", "10.244.5.0/24"))
	ctx := context.Background()
	for range 2 {
		err := f.c.sync(ctx, syncKey)
		if err == nil || !strings.Contains(err.Error(), "node far via 172.16.0.5") {
			t.Fatalf("sync err = %v, want the failed route to far", err)
		}
	}
	if n := strings.Count(f.logs.String(), "not on a directly connected subnet"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, f.logs)
	}
	if got, want := ip.table(), []string{"10.244.1.0/24 via 192.168.1.2 0xb5"}; !slices.Equal(got, want) {
		t.Fatalf("table %q, want %q: one bad node must not block the others", got, want)
	}
}

func TestRunFollowsNodes(t *testing.T) {
	ip := newFakeIP("192.168.1.0/24")
	f := newFixture(t, ip, node("a", "192.168.1.1", "10.244.0.0/24"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	waitTable := func(want ...string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !slices.Equal(ip.table(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("table %q, want %q", ip.table(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	<-f.watching
	b := node("b", "192.168.1.2")
	if _, err := f.cs.CoreV1().Nodes().Create(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b = node("b", "192.168.1.2", "10.244.1.0/24")
	if _, err := f.cs.CoreV1().Nodes().Update(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitTable("10.244.1.0/24 via 192.168.1.2 0xb5")
	b = node("b", "192.168.1.7", "10.244.1.0/24")
	if _, err := f.cs.CoreV1().Nodes().Update(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitTable("10.244.1.0/24 via 192.168.1.7 0xb5")
	if err := f.cs.CoreV1().Nodes().Delete(ctx, "b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitTable()
}

func TestCleanupRemovesOnlyOwnRoutes(t *testing.T) {
	ip := newFakeIP("192.168.1.0/24")
	ip.add("10.244.1.0/24", "192.168.1.2", Proto)
	ip.add("10.244.2.0/24", "192.168.1.3", Proto)
	ip.add("10.50.0.0/16", "192.168.1.254", "boot")
	if err := Cleanup(ip.run); err != nil {
		t.Fatal(err)
	}
	if got, want := ip.table(), []string{"10.50.0.0/16 via 192.168.1.254 boot"}; !slices.Equal(got, want) {
		t.Fatalf("table after Cleanup %q, want %q", got, want)
	}
}
