package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// testNode is a node namespace with two pods on a bridge and a client
// outside the pod network, wired like a Bosun node:
//
//	client 10.98.0.2 ── 10.98.0.1 node (br0 10.99.0.1/24) ── pod1 10.99.0.2, pod2 10.99.0.3
type testNode struct {
	node, client string
	pods         [2]string
}

const (
	nodeIP  = "10.98.0.1"
	pod1IP  = "10.99.0.2"
	pod2IP  = "10.99.0.3"
	podCIDR = "10.99.0.0/16"
)

func newTestNode(t *testing.T) *testNode {
	n := &testNode{node: newNetns(t), client: newNetns(t), pods: [2]string{newNetns(t), newNetns(t)}}
	ipn := func(ns string, args ...string) { run(t, append([]string{"ip", "-n", ns}, args...)...) }
	ipn(n.node, "link", "add", "br0", "type", "bridge")
	ipn(n.node, "addr", "add", "10.99.0.1/24", "dev", "br0")
	ipn(n.node, "link", "set", "br0", "up")
	for i, ip := range []string{pod1IP, pod2IP} {
		host := fmt.Sprintf("veth%d", i)
		ipn(n.node, "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", n.pods[i])
		ipn(n.node, "link", "set", host, "master", "br0", "up")
		// A pod reaching itself through a service leaves and re-enters
		// the bridge by the same port.
		ipn(n.node, "link", "set", "dev", host, "type", "bridge_slave", "hairpin", "on")
		ipn(n.pods[i], "addr", "add", ip+"/24", "dev", "eth0")
		ipn(n.pods[i], "link", "set", "eth0", "up")
		ipn(n.pods[i], "route", "add", "default", "via", "10.99.0.1")
	}
	ipn(n.node, "link", "add", "uplink", "type", "veth", "peer", "name", "eth0", "netns", n.client)
	ipn(n.node, "addr", "add", nodeIP+"/24", "dev", "uplink")
	ipn(n.node, "link", "set", "uplink", "up")
	ipn(n.node, "route", "add", "default", "via", "10.98.0.2")
	ipn(n.client, "addr", "add", "10.98.0.2/24", "dev", "eth0")
	ipn(n.client, "link", "set", "eth0", "up")
	ipn(n.client, "route", "add", "default", "via", nodeIP)
	if err := inNetns(n.node, prepareNode); err != nil {
		t.Fatal(err)
	}
	for i, ns := range n.pods {
		serve(t, ns, fmt.Sprintf("pod%d", i+1))
	}
	return n
}

// runProxier runs a Proxier programming the node from client until the
// test ends, and returns once its first sync is in.
func (n *testNode) runProxier(t *testing.T, client *fake.Clientset) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(client, 0)
	p := New(Config{Informers: factory, NodeName: "node-a", ClusterCIDR: podCIDR, Apply: nftIn(n.node),
		ForgetUDP: func(flows []UDPFlow) error { return inNetns(n.node, func() error { return ForgetUDP(flows) }) },
		Log:       slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	factory.Start(ctx.Done())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		factory.Shutdown()
	})
	select {
	case <-p.Ready():
	case err := <-done:
		t.Fatalf("Run ended before the first sync: %v", err)
	}
	return ctx
}

// serve answers every connection to :8080 in ns with "name peer-address".
func serve(t *testing.T, ns, name string) {
	var l net.Listener
	if err := inNetns(ns, func() (err error) { l, err = net.Listen("tcp4", ":8080"); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "%s %s\n", name, c.RemoteAddr().(*net.TCPAddr).IP)
			c.Close()
		}
	}()
}

// ask connects from ns to addr and returns who answered and whom it saw.
func ask(ns, addr string) (pod, peer string, err error) {
	err = inNetns(ns, func() error {
		c, err := net.DialTimeout("tcp4", addr, 2*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err
		}
		pod, peer, _ = strings.Cut(strings.TrimSpace(line), " ")
		return nil
	})
	return pod, peer, err
}

// answers collects who answered n connections.
func answers(t *testing.T, ns, addr string, n int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for range n {
		pod, _, err := ask(ns, addr)
		if err != nil {
			t.Fatalf("connect from %s to %s: %v", ns, addr, err)
		}
		seen[pod]++
	}
	return seen
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestProxierServesTraffic(t *testing.T) {
	needRoot(t)
	n := newTestNode(t)
	both := []ep{{ip: pod1IP, node: "node-a"}, {ip: pod2IP, node: "node-a"}}
	web := service("default", "web", "10.0.0.50", nodePort(30080))
	client := fake.NewClientset(
		web, slice("default", "web", "web-1", 8080, both...),
		service("default", "sticky", "10.0.0.51", affinity(0)), slice("default", "sticky", "sticky-1", 8080, both...),
		service("default", "solo", "10.0.0.52"), slice("default", "solo", "solo-1", 8080, ep{ip: pod1IP, node: "node-a"}),
		service("default", "empty", "10.0.0.53"),
	)
	ctx := n.runProxier(t, client)

	t.Run("cluster IP balances over both pods, masquerading outside clients", func(t *testing.T) {
		if seen := answers(t, n.client, "10.0.0.50:80", 40); seen["pod1"] == 0 || seen["pod2"] == 0 {
			t.Errorf("answers %v, want both pods", seen)
		}
		if _, peer, err := ask(n.client, "10.0.0.50:80"); err != nil || peer != "10.99.0.1" {
			t.Errorf("pod saw %q (%v), want the node's bridge address", peer, err)
		}
	})
	t.Run("pods keep their address and the node reaches services too", func(t *testing.T) {
		if pod, peer, err := ask(n.pods[1], "10.0.0.52:80"); err != nil || pod != "pod1" || peer != pod2IP {
			t.Errorf("pod2 → solo: %s saw %q (%v), want pod1 seeing %s", pod, peer, err, pod2IP)
		}
		if _, _, err := ask(n.node, "10.0.0.52:80"); err != nil {
			t.Errorf("node → solo: %v", err)
		}
	})
	t.Run("a pod reaches itself through its service", func(t *testing.T) {
		if pod, peer, err := ask(n.pods[0], "10.0.0.52:80"); err != nil || pod != "pod1" || peer != "10.99.0.1" {
			t.Errorf("pod1 → solo: %s saw %q (%v), want pod1 seeing the node", pod, peer, err)
		}
	})
	t.Run("node port answers on the node address", func(t *testing.T) {
		if seen := answers(t, n.client, nodeIP+":30080", 20); seen["pod1"]+seen["pod2"] != 20 {
			t.Errorf("answers %v", seen)
		}
	})
	t.Run("session affinity sticks to one pod", func(t *testing.T) {
		if seen := answers(t, n.client, "10.0.0.51:80", 20); len(seen) != 1 {
			t.Errorf("answers %v, want one pod", seen)
		}
	})
	t.Run("a service without endpoints refuses", func(t *testing.T) {
		if _, _, err := ask(n.client, "10.0.0.53:80"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("connect to empty: %v, want connection refused", err)
		}
	})
	t.Run("a not-ready endpoint leaves the rotation, the last one leaving refuses", func(t *testing.T) {
		update := func(eps ...ep) {
			s := slice("default", "web", "web-1", 8080, eps...)
			if _, err := client.DiscoveryV1().EndpointSlices("default").Update(ctx, s, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		update(ep{ip: pod1IP, node: "node-a"}, ep{ip: pod2IP, node: "node-a", notReady: true})
		eventually(t, "only pod1 answers", func() bool { return answers(t, n.client, "10.0.0.50:80", 10)["pod1"] == 10 })
		update()
		eventually(t, "web refuses", func() bool {
			_, _, err := ask(n.client, "10.0.0.50:80")
			return errors.Is(err, syscall.ECONNREFUSED)
		})
		if _, _, err := ask(n.client, nodeIP+":30080"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("node port of web without endpoints: %v, want connection refused", err)
		}
	})
	t.Run("a deleted service leaves no rules", func(t *testing.T) {
		if err := client.CoreV1().Services("default").Delete(ctx, "solo", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "solo's chain is gone", func() bool {
			return !strings.Contains(run(t, "nsenter", "--net=/run/netns/"+n.node, "nft", "list", "table", "ip", TableName), "default/solo/")
		})
	})
}

// testWriter sends the Proxier's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
