package dns

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// startServer runs a server on a free loopback port over a fake clientset
// seeded with objs, until the test ends.
func startServer(t *testing.T, upstreams []string, objs ...runtime.Object) (*Server, *fake.Clientset) {
	t.Helper()
	return startServerAt(t, "127.0.0.1:0", upstreams, objs...)
}

func startServerAt(t *testing.T, addr string, upstreams []string, objs ...runtime.Object) (*Server, *fake.Clientset) {
	t.Helper()
	cs := fake.NewClientset(objs...)
	if len(upstreams) == 0 {
		// Never the machine's resolv.conf: a port nothing answers on.
		upstreams = []string{"127.0.0.1:9"}
	}
	s := New(Config{Factory: informers.NewSharedInformerFactory(cs, 0), Addr: addr,
		Upstreams: upstreams, ForwardTimeout: 500 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-s.Ready():
	case err := <-done:
		t.Fatalf("Run ended before ready: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server not ready after 10 s")
	}
	return s, cs
}

// ask sends one query over net ("udp" or "tcp"); bufsize > 0 adds EDNS0.
func ask(t *testing.T, network, addr, name string, qtype uint16, bufsize uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg).SetQuestion(name, qtype)
	if bufsize > 0 {
		m.SetEdns0(bufsize, false)
	}
	c := &dns.Client{Net: network, Timeout: 5 * time.Second, UDPSize: 65535}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s query %s: %v", network, name, err)
	}
	return resp
}

func TestServerAnswersOverUDPAndTCP(t *testing.T) {
	s, _ := startServer(t, nil, service("default", "web", "10.0.0.20"))
	for _, network := range []string{"udp", "tcp"} {
		resp := ask(t, network, s.Addr(), "web.default.svc.cluster.local.", dns.TypeA, 0)
		if resp.Rcode != dns.RcodeSuccess || !resp.Authoritative || len(resp.Answer) != 1 ||
			resp.Answer[0].(*dns.A).A.String() != "10.0.0.20" {
			t.Errorf("%s: got %v", network, resp)
		}
		resp = ask(t, network, s.Addr(), "nope.default.svc.cluster.local.", dns.TypeA, 1232)
		if resp.Rcode != dns.RcodeNameError || len(resp.Ns) != 1 || resp.IsEdns0() == nil {
			t.Errorf("%s: unknown name got %v", network, resp)
		}
	}
}

// On a wildcard address UDP goes through miekg's server, which replies
// from the address each query came to.
func TestServerOnWildcardAddress(t *testing.T) {
	s, _ := startServerAt(t, "0.0.0.0:0", nil, service("default", "web", "10.0.0.20"))
	_, port, _ := net.SplitHostPort(s.Addr())
	for _, network := range []string{"udp", "tcp"} {
		resp := ask(t, network, net.JoinHostPort("127.0.0.1", port), "web.default.svc.cluster.local.", dns.TypeA, 0)
		if len(resp.Answer) != 1 {
			t.Errorf("%s: got %v", network, resp)
		}
	}
}

// waitFor polls the server until check accepts its answer.
func waitFor(t *testing.T, addr, name string, qtype uint16, check func(*dns.Msg) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp := ask(t, "udp", addr, name, qtype, 0)
		if check(resp) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %v", name, resp)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServerFollowsServices(t *testing.T) {
	s, cs := startServer(t, nil)
	ctx := context.Background()
	name := "late.default.svc.cluster.local."
	if resp := ask(t, "udp", s.Addr(), name, dns.TypeA, 0); resp.Rcode != dns.RcodeNameError {
		t.Fatalf("before create: %v", resp)
	}
	if _, err := cs.CoreV1().Services("default").Create(ctx, service("default", "late", "10.0.0.40"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s.Addr(), name, dns.TypeA, func(m *dns.Msg) bool { return len(m.Answer) == 1 })
	if err := cs.CoreV1().Services("default").Delete(ctx, "late", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s.Addr(), name, dns.TypeA, func(m *dns.Msg) bool { return m.Rcode == dns.RcodeNameError })
}

func TestServerTruncatesForUDP(t *testing.T) {
	var eps []endpoint
	for i := range 100 {
		eps = append(eps, endpoint{ip: fmt.Sprintf("10.244.%d.%d", i/200, i%200+1), ready: true})
	}
	s, _ := startServer(t, nil, service("default", "many", corev1.ClusterIPNone),
		slice("default", "many", "many-1", nil, eps...))
	name := "many.default.svc.cluster.local."
	for _, tc := range []struct {
		network   string
		bufsize   uint16
		truncated bool
		limit     int
	}{
		{"udp", 0, true, dns.MinMsgSize},
		{"udp", 1232, true, 1232},
		{"udp", 4096, false, 4096},
		{"tcp", 0, false, dns.MaxMsgSize},
	} {
		resp := ask(t, tc.network, s.Addr(), name, dns.TypeA, tc.bufsize)
		// Measured as sent: compressed.
		resp.Compress = true
		size := resp.Len()
		if resp.Truncated != tc.truncated || size > tc.limit || (!tc.truncated && len(resp.Answer) != 100) {
			t.Errorf("%s bufsize %d: truncated %v with %d answers in %d bytes, want truncated %v within %d",
				tc.network, tc.bufsize, resp.Truncated, len(resp.Answer), size, tc.truncated, tc.limit)
		}
	}
}

func TestWithoutSelf(t *testing.T) {
	for _, tc := range []struct {
		self string
		in   []string
		want int
	}{
		{"10.0.0.10:53", []string{"10.0.0.10:53", "192.0.2.1:53"}, 1},
		{"10.0.0.10:53", []string{"10.0.0.10:5353"}, 1},
		{"0.0.0.0:53", []string{"127.0.0.1:53", "127.0.0.53:53", "192.0.2.1:53"}, 1},
		{"0.0.0.0:53", []string{"127.0.0.1:5353"}, 1},
	} {
		self, _ := net.ResolveUDPAddr("udp", tc.self)
		if got := withoutSelf(tc.in, self); len(got) != tc.want {
			t.Errorf("withoutSelf(%q, %s) = %q, want %d left", tc.in, tc.self, got, tc.want)
		}
	}
}
