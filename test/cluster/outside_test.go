package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
	"golang.org/x/sys/unix"
)

// The stand-in outside's DNS server knows one name.
const outsideName = "outside.example."

// outsideAnswer is outsideName's address: a documentation address
// (TEST-NET-3) nothing is ever sent to.
var outsideAnswer = netip.MustParseAddr("203.0.113.7")

// outside stands in for the world beyond a cluster: a network namespace
// on the cluster's bridge whose address is in neither the node subnet nor
// the cluster CIDR, serving HTTP (answering with the address a connection
// came from) and DNS (answering outsideName, recording the questions).
type outside struct {
	ip netip.Addr

	mu      sync.Mutex
	queries []string
}

// pickOutsideAddr picks an address in 198.18.0.0/15 (set aside for
// benchmarking, never routed on the internet) that no host route covers,
// before the cluster exists, so the server can be started forwarding to it.
func pickOutsideAddr(t *testing.T) netip.Addr {
	t.Helper()
	out, err := exec.Command("ip", "-4", "route", "show", "table", "all").Output()
	if err != nil {
		t.Fatalf("list host routes: %v", err)
	}
	for range 100 {
		b := make([]byte, 2)
		_, _ = rand.Read(b)
		ip := netip.AddrFrom4([4]byte{198, 18 + b[0]&1, b[1], 2 + b[0]>>1})
		if !strings.Contains(string(out), ip.String()) {
			return ip
		}
	}
	t.Fatal("no free address in 198.18.0.0/15")
	return netip.Addr{}
}

// startOutside makes the stand-in at ip on a cluster's bridge: a veth into
// the bridge, and a host route sending ip there, so nodes reach it through
// the host as they reach anything off their subnet. The host masquerades
// only what leaves by another interface than the bridge, so what arrives
// comes from the node's own address. All of it goes when the test ends.
func startOutside(t *testing.T, ip netip.Addr, bridge, bridgeIP string) *outside {
	t.Helper()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	suffix := hex.EncodeToString(b)
	netns, veth := "bt-"+suffix, "bto"+suffix
	host := ip.String() + "/32"
	t.Cleanup(func() {
		// A bridge already gone took its route and the veth with it.
		if linkExists(bridge) {
			_ = exec.Command("ip", "route", "delete", host, "dev", bridge).Run()
		}
		if linkExists(veth) {
			if out, err := exec.Command("ip", "link", "delete", veth).CombinedOutput(); err != nil {
				t.Errorf("remove %s: %v: %s", veth, err, out)
			}
		}
		if out, err := exec.Command("ip", "netns", "delete", netns).CombinedOutput(); err != nil {
			t.Errorf("remove netns %s: %v: %s", netns, err, out)
		}
	})
	for _, args := range [][]string{
		{"netns", "add", netns},
		{"link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns},
		{"link", "set", veth, "master", bridge, "up"},
		{"-n", netns, "addr", "add", host, "dev", "eth0"},
		{"-n", netns, "link", "set", "lo", "up"},
		{"-n", netns, "link", "set", "eth0", "up"},
		{"-n", netns, "route", "add", bridgeIP + "/32", "dev", "eth0"},
		{"-n", netns, "route", "add", "default", "via", bridgeIP, "dev", "eth0"},
		{"route", "add", host, "dev", bridge},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	o := &outside{ip: ip}
	o.serveHTTP(t, netns)
	o.serveDNS(t, netns)
	return o
}

func (o *outside) serveHTTP(t *testing.T, netns string) {
	t.Helper()
	var l net.Listener
	err := inNetns(netns, func() (err error) {
		l, err = net.Listen("tcp", net.JoinHostPort(o.ip.String(), "8080"))
		return err
	})
	if err != nil {
		t.Fatalf("listen in %s: %v", netns, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		fmt.Fprintln(w, host)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
}

func (o *outside) serveDNS(t *testing.T, netns string) {
	t.Helper()
	var pc net.PacketConn
	var l net.Listener
	addr := net.JoinHostPort(o.ip.String(), "53")
	err := inNetns(netns, func() (err error) {
		if pc, err = net.ListenPacket("udp", addr); err != nil {
			return err
		}
		l, err = net.Listen("tcp", addr)
		return err
	})
	if err != nil {
		t.Fatalf("listen in %s: %v", netns, err)
	}
	handler := dns.HandlerFunc(o.answer)
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: l, Handler: handler}} {
		go func() { _ = srv.ActivateAndServe() }()
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
}

// answer gives outsideName's A record (no other types), NXDOMAIN for
// any other name.
func (o *outside) answer(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(q)
	if len(q.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	question := q.Question[0]
	o.mu.Lock()
	o.queries = append(o.queries, question.Name+" "+dns.TypeToString[question.Qtype])
	o.mu.Unlock()
	switch {
	case !strings.EqualFold(question.Name, outsideName):
		m.Rcode = dns.RcodeNameError
	case question.Qtype == dns.TypeA:
		m.Answer = []dns.RR{&dns.A{
			Hdr: dns.RR_Header{Name: outsideName, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 30},
			A:   outsideAnswer.AsSlice(),
		}}
	}
	_ = w.WriteMsg(m)
}

// questions returns the DNS questions asked so far.
func (o *outside) questions() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.queries...)
}

// inNetns runs listen on an OS thread of its own moved into a network
// namespace; the sockets it makes stay in that namespace whichever thread
// later serves them. The thread is never unlocked, so it ends with its
// goroutine instead of going back to the scheduler in a foreign namespace.
func inNetns(netns string, listen func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + netns)
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("enter netns %s: %w", netns, err)
			return
		}
		errc <- listen()
	}()
	return <-errc
}

func linkExists(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}
