package routes_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
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

	"github.com/bosun-dev/bosun/internal/network/cni"
	"github.com/bosun-dev/bosun/internal/network/routes"
	"github.com/bosun-dev/bosun/internal/network/routes/testnet"
)

// TestHostGatewayAcrossNodes runs one controller per node of a two-node
// topology in test-made network namespaces and checks that pod A reaches
// pod B on the other node with its own address, and that deleting node B's
// Node takes its route away.
func TestHostGatewayAcrossNodes(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: needs root to create network namespaces (CI runs as root)")
	}
	topo, err := testnet.Build(testnet.Name("bt"), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := topo.Remove(); err != nil {
			t.Error(err)
		}
	})
	var seed []runtime.Object
	for _, n := range topo.Nodes {
		if err := testnet.Do(n.Netns, func() error {
			if err := cni.EnableForwarding(); err != nil {
				return err
			}
			if err := cni.EnableBridgeNetfilter(); err != nil {
				return err
			}
			return cni.EnsureMasquerade(testnet.PodBridge, n.PodCIDR.String(), testnet.ClusterCIDR)
		}); err != nil {
			t.Fatal(err)
		}
		seed = append(seed, &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: n.Name},
			Spec:       corev1.NodeSpec{PodCIDR: n.PodCIDR.String(), PodCIDRs: []string{n.PodCIDR.String()}},
			Status:     corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: n.Addr.Addr().String()}}},
		})
	}
	cs := fake.NewClientset(seed...)
	// The fake clientset drops events sent before an informer's watch is
	// open, so the Node deletion below waits for both watches.
	var watches sync.WaitGroup
	watches.Add(len(topo.Nodes))
	cs.PrependWatchReactor("nodes", func(k8stesting.Action) (bool, watch.Interface, error) {
		watches.Done()
		return false, nil, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	t.Cleanup(func() { cancel(); running.Wait() })
	for _, n := range topo.Nodes {
		c := routes.New(routes.Config{
			Factory:  informers.NewSharedInformerFactory(cs, 0),
			NodeName: n.Name,
			Run:      routes.NetnsIP(n.Netns),
		})
		running.Add(1)
		go func() {
			defer running.Done()
			if err := c.Run(ctx); err != nil {
				t.Errorf("node %s: Run: %v", n.Name, err)
			}
		}()
	}
	a, b := topo.Nodes[0], topo.Nodes[1]
	waitRoutes(t, a.Netns, fmt.Sprintf("%s via %s", b.PodCIDR, b.Addr.Addr()))
	waitRoutes(t, b.Netns, fmt.Sprintf("%s via %s", a.PodCIDR, a.Addr.Addr()))

	if got, want := dialAcross(t, a, b), a.PodIP.String(); got != want {
		t.Fatalf("pod B saw the connection from %s, want pod A's own %s (traffic inside the cluster CIDR was masqueraded)", got, want)
	}

	watches.Wait()
	if err := cs.CoreV1().Nodes().Delete(ctx, b.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRoutes(t, a.Netns)
}

// waitRoutes polls until the routes marked routes.Proto in netns are
// exactly want ("dst via gateway" lines).
func waitRoutes(t *testing.T, netns string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, err := routes.NetnsIP(netns)(context.Background(), "route", "show", "proto", routes.Proto)
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if f := strings.Fields(l); len(f) >= 3 {
				got = append(got, strings.Join(f[:3], " "))
			}
		}
		if err == nil && strings.Join(got, "\n") == strings.Join(want, "\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("routes in %s: %q (%v), want %q", netns, got, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dialAcross opens a TCP connection from from's pod to a listener in to's
// pod, echoes a line over it and returns the client address the listener
// saw.
func dialAcross(t *testing.T, from, to testnet.Node) string {
	t.Helper()
	var ln net.Listener
	if err := testnet.Do(to.Pod, func() (err error) {
		ln, err = net.Listen("tcp", netip.AddrPortFrom(to.PodIP, 0).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	seen := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			seen <- err.Error()
			return
		}
		defer c.Close()
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		seen <- host
		_, _ = io.Copy(c, c)
	}()
	var conn net.Conn
	if err := testnet.Do(from.Pod, func() (err error) {
		conn, err = net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
		return err
	}); err != nil {
		t.Fatalf("pod %s → pod %s across nodes: %v", from.PodIP, to.PodIP, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "ping\n" {
		t.Fatalf("echo across nodes: %q, %v", buf, err)
	}
	return <-seen
}
