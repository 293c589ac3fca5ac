package proxy

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

// recorder is an Apply keeping the scripts; fail makes the next one fail.
type recorder struct {
	mu      sync.Mutex
	scripts []string
	flows   []UDPFlow
	fail    bool
	applied chan struct{}
}

func (r *recorder) apply(_ context.Context, script string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scripts = append(r.scripts, script)
	defer func() {
		select { // a resyncing Proxier must not block on a test done reading
		case r.applied <- struct{}{}:
		default:
		}
	}()
	if r.fail {
		r.fail = false
		return errors.New("nft said no")
	}
	return nil
}

func (r *recorder) forget(flows []UDPFlow) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flows = append(r.flows, flows...)
	return nil
}

// next waits for the next applied script.
func (r *recorder) next(t *testing.T) string {
	t.Helper()
	select {
	case <-r.applied:
	case <-time.After(10 * time.Second):
		t.Fatal("no script applied")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.scripts[len(r.scripts)-1]
}

func startProxier(t *testing.T, rec *recorder, syncPeriod time.Duration, objs ...runtime.Object) *fake.Clientset {
	t.Helper()
	client := fake.NewClientset(objs...)
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(client, 0)
	p := New(Config{Informers: factory, NodeName: "node-a", ClusterCIDR: testCIDR, Apply: rec.apply, ForgetUDP: rec.forget, SyncPeriod: syncPeriod,
		Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	factory.Start(ctx.Done())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		factory.Shutdown()
	})
	return client
}

func TestProxierAppliesChangesIncrementally(t *testing.T) {
	rec := &recorder{applied: make(chan struct{}, 16)}
	client := startProxier(t, rec, 0, service("default", "web", "10.0.0.5"), twoReady,
		service("default", "other", "10.0.0.6"), slice("default", "other", "other-1", 80, ep{ip: "10.244.3.3"}))
	ctx := context.Background()
	first := rec.next(t)
	if !strings.HasPrefix(first, "table ip bosun-proxy\ndelete table ip bosun-proxy\n") || !strings.Contains(first, "default/other/") {
		t.Fatalf("the first sync must replace the whole table:\n%s", first)
	}

	s := slice("default", "web", "web-1", 8080, ep{ip: "10.244.1.2"})
	if _, err := client.DiscoveryV1().EndpointSlices("default").Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	diff := rec.next(t)
	if strings.Contains(diff, "table") || strings.Contains(diff, "default/other/") || !strings.Contains(diff, "dnat to 10.244.1.2:8080") {
		t.Fatalf("an endpoint change must touch only its service:\n%s", diff)
	}

	// A failed transaction leaves the kernel unknown: the next sync
	// replaces the whole table again.
	rec.mu.Lock()
	rec.fail = true
	rec.mu.Unlock()
	if err := client.CoreV1().Services("default").Delete(ctx, "other", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if failed := rec.next(t); !strings.Contains(failed, "delete chain ip bosun-proxy "+serviceChain("default/other/tcp/http")) {
		t.Fatalf("deleting a service must delete its chain:\n%s", failed)
	}
	if retry := rec.next(t); !strings.HasPrefix(retry, "table ip bosun-proxy\ndelete table") || strings.Contains(retry, "default/other/") {
		t.Fatalf("after a failure the whole table is replaced, without the deleted service:\n%s", retry)
	}
}

func TestProxierResyncKeepsTheTable(t *testing.T) {
	rec := &recorder{applied: make(chan struct{}, 16)}
	startProxier(t, rec, 20*time.Millisecond, service("default", "web", "10.0.0.5", affinity(0)), twoReady)
	rec.next(t)
	resync := rec.next(t)
	if !strings.HasPrefix(resync, "add table ip bosun-proxy\n") || !strings.Contains(resync, "flush chain ip bosun-proxy "+webSvc+"\n") ||
		strings.Contains(resync, "delete") {
		t.Fatalf("a resync must re-assert every chain without deleting the table or its affinity sets:\n%s", resync)
	}
}

func TestProxierForgetsStaleUDPFlows(t *testing.T) {
	rec := &recorder{applied: make(chan struct{}, 16)}
	udp := func(s *v1.Service) { s.Spec.Ports[0].Protocol = v1.ProtocolUDP }
	udpSlice := func(eps ...ep) *discoveryv1.EndpointSlice {
		s := slice("default", "dns", "dns-1", 53, eps...)
		s.Ports[0].Protocol = ptr.To(v1.ProtocolUDP)
		return s
	}
	client := startProxier(t, rec, 0, service("default", "dns", "10.0.0.10", udp), udpSlice(ep{ip: "10.244.1.2"}, ep{ip: "10.244.1.3"}))
	rec.next(t)
	if _, err := client.DiscoveryV1().EndpointSlices("default").Update(context.Background(), udpSlice(ep{ip: "10.244.1.2"}), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	rec.next(t)
	eventually(t, "the flows of the endpoint that left are forgotten", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return slices.Contains(rec.flows, UDPFlow{Addr: "10.0.0.10", Port: 80, Endpoint: "10.244.1.3"})
	})
}
