package dns

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
)

// startUpstream serves handler on a free loopback port over UDP and TCP,
// standing in for an outside resolver, until the test ends.
func startUpstream(t *testing.T, handler dns.HandlerFunc) string {
	t.Helper()
	pc, ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: ln, Handler: handler}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return pc.LocalAddr().String()
}

// outside answers a few names of a pretend world outside the cluster.
func outside(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg).SetReply(r)
	m.RecursionAvailable = true
	_, tcp := w.RemoteAddr().(*net.TCPAddr)
	q := r.Question[0]
	switch strings.ToLower(q.Name) {
	case "outside.test.", "target.example.":
		m.Answer = []dns.RR{&dns.A{Hdr: hdr(q.Name, dns.TypeA), A: net.IPv4(192, 0, 2, 7)}}
	case "big.test.":
		// Too big for UDP, as far as this resolver is concerned.
		if !tcp {
			m.Truncated = true
			break
		}
		for i := range 50 {
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr(q.Name, dns.TypeA), A: net.IPv4(192, 0, 2, byte(i+1))})
		}
	case "broken.test.":
		m.Rcode = dns.RcodeServerFailure
	default:
		m.Rcode = dns.RcodeNameError
	}
	_ = w.WriteMsg(m)
}

func TestForwardOutsideTheZone(t *testing.T) {
	up := startUpstream(t, outside)
	// The first upstream refuses connections: the server moves on.
	s, _ := startServer(t, []string{"127.0.0.1:9", up})
	for _, tc := range []struct {
		network, name  string
		rcode, answers int
	}{
		{"udp", "outside.test.", dns.RcodeSuccess, 1},
		{"tcp", "Outside.Test.", dns.RcodeSuccess, 1},
		{"udp", "nothing.test.", dns.RcodeNameError, 0},
		{"udp", "broken.test.", dns.RcodeServerFailure, 0},
		{"udp", "big.test.", dns.RcodeSuccess, 50},
		{"tcp", "big.test.", dns.RcodeSuccess, 50},
	} {
		t.Run(tc.network+" "+tc.name, func(t *testing.T) {
			resp := ask(t, tc.network, s.Addr(), tc.name, dns.TypeA, 4096)
			if resp.Rcode != tc.rcode || len(resp.Answer) != tc.answers || resp.Authoritative ||
				resp.Question[0].Name != tc.name {
				t.Errorf("got %v", resp)
			}
		})
	}
	// Over plain UDP the 50 answers the server fetched over TCP do not fit:
	// the client is told to come back over TCP.
	if resp := ask(t, "udp", s.Addr(), "big.test.", dns.TypeA, 0); !resp.Truncated {
		t.Errorf("plain udp big answer not truncated: %v", resp)
	}
}

func TestForwardWithoutWorkingUpstreams(t *testing.T) {
	s, _ := startServer(t, []string{"127.0.0.1:9"})
	if resp := ask(t, "udp", s.Addr(), "outside.test.", dns.TypeA, 0); resp.Rcode != dns.RcodeServerFailure {
		t.Errorf("got %v, want SERVFAIL", resp)
	}
}

func TestExternalNameChasedUpstream(t *testing.T) {
	up := startUpstream(t, outside)
	ext := service("default", "ext", "")
	ext.Spec.Type, ext.Spec.ExternalName = corev1.ServiceTypeExternalName, "target.example"
	s, _ := startServer(t, []string{up}, ext)
	resp := ask(t, "udp", s.Addr(), "ext.default.svc.cluster.local.", dns.TypeA, 0)
	want := []string{"ext.default.svc.cluster.local.\t5\tIN\tCNAME\ttarget.example.", "target.example.\t5\tIN\tA\t192.0.2.7"}
	if got := rrStrings(resp.Answer); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("answer %q, want %q", got, want)
	}
}

// An upstream that resolves through the cluster DNS sends our own query
// back: the server must answer SERVFAIL at once instead of forwarding it
// round the loop again.
func TestForwardingLoopEnds(t *testing.T) {
	var target atomic.Value
	var relayed atomic.Int32
	relay := startUpstream(t, func(w dns.ResponseWriter, r *dns.Msg) {
		relayed.Add(1)
		c := &dns.Client{Timeout: 2 * time.Second}
		resp, _, err := c.Exchange(r, target.Load().(string))
		if err != nil {
			resp = new(dns.Msg).SetRcode(r, dns.RcodeServerFailure)
		}
		_ = w.WriteMsg(resp)
	})
	s, _ := startServer(t, []string{relay})
	target.Store(s.Addr())
	if resp := ask(t, "udp", s.Addr(), "outside.test.", dns.TypeA, 0); resp.Rcode != dns.RcodeServerFailure {
		t.Errorf("got %v, want SERVFAIL", resp)
	}
	if n := relayed.Load(); n != 1 {
		t.Errorf("relay saw %d queries, want 1", n)
	}
}
