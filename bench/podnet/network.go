package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/bosun-dev/bosun/internal/network/cni"
	"github.com/bosun-dev/bosun/internal/network/routes"
	"github.com/bosun-dev/bosun/internal/network/routes/testnet"
)

// The veth pair's addresses, apart from the topology's.
var (
	vethA = netip.MustParsePrefix("10.78.0.1/24")
	vethB = netip.MustParsePrefix("10.78.0.2/24")
)

// benchPort is the servers' port; each namespace has its own port space.
const benchPort = 5201

// network is everything the bench measures over.
type network struct {
	topo         *testnet.Topology
	vethA, vethB string // the baseline's namespaces
	stopRoutes   context.CancelFunc
	routesDone   chan struct{}
}

// build makes the two-node topology set up as an agent sets up its node,
// with its routes programmed by the routes controller, and the veth pair.
// On error it removes what it made.
func build(ctx context.Context) (n *network, err error) {
	prefix := testnet.Name("bp")
	n = &network{vethA: prefix + "-va", vethB: prefix + "-vb", stopRoutes: func() {}}
	defer func() {
		if err != nil {
			err = errors.Join(err, n.remove())
		}
	}()
	if n.topo, err = testnet.Build(prefix, 2); err != nil {
		return n, err
	}
	for _, node := range n.topo.Nodes {
		if err := testnet.Do(node.Netns, func() error { return nodeSettings(node) }); err != nil {
			return n, fmt.Errorf("node %s: %w", node.Name, err)
		}
	}
	if err := n.startRoutes(ctx); err != nil {
		return n, err
	}
	return n, n.buildVethPair()
}

// nodeSettings is what the agent does in its node's namespace once the
// node has a pod CIDR (cni.WriteConfig aside: the topology stands in for
// the bridge plugin).
func nodeSettings(node testnet.Node) error {
	if err := cni.EnableForwarding(); err != nil {
		return err
	}
	if err := cni.EnableBridgeNetfilter(); err != nil {
		return err
	}
	return cni.EnsureMasquerade(testnet.PodBridge, node.PodCIDR.String(), testnet.ClusterCIDR)
}

// startRoutes runs a routes controller per node over a fake clientset
// holding the nodes, and waits for every node's routes to the others.
func (n *network) startRoutes(ctx context.Context) error {
	var objs []runtime.Object
	for _, node := range n.topo.Nodes {
		objs = append(objs, &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: node.Name},
			Spec:       corev1.NodeSpec{PodCIDR: node.PodCIDR.String()},
			Status:     corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: node.Addr.Addr().String()}}},
		})
	}
	cs := fake.NewClientset(objs...)
	ctx, cancel := context.WithCancel(ctx)
	n.stopRoutes = cancel
	n.routesDone = make(chan struct{})
	running := len(n.topo.Nodes)
	exited := make(chan struct{}, running)
	for _, node := range n.topo.Nodes {
		c := routes.New(routes.Config{Factory: informers.NewSharedInformerFactory(cs, 0), NodeName: node.Name,
			Run: routes.NetnsIP(node.Netns), Log: slog.New(slog.DiscardHandler)})
		go func() {
			_ = c.Run(ctx)
			exited <- struct{}{}
		}()
	}
	go func() {
		for range running {
			<-exited
		}
		close(n.routesDone)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for _, node := range n.topo.Nodes {
		for {
			out, err := routes.NetnsIP(node.Netns)(ctx, "route", "show", "proto", routes.Proto)
			if err == nil && strings.Count(string(out), " via ") == len(n.topo.Nodes)-1 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("node %s has routes %q (%v), want one per other node", node.Name, out, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

func (n *network) buildVethPair() error {
	for _, ns := range []string{n.vethA, n.vethB} {
		if err := testnet.AddNetns(ns); err != nil {
			return err
		}
	}
	for _, args := range [][]string{
		{"-n", n.vethA, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", n.vethB},
		{"-n", n.vethA, "addr", "add", vethA.String(), "dev", "eth0"},
		{"-n", n.vethB, "addr", "add", vethB.String(), "dev", "eth0"},
		{"-n", n.vethA, "link", "set", "eth0", "up"},
		{"-n", n.vethB, "link", "set", "eth0", "up"},
	} {
		if err := testnet.Cmd("ip", args...); err != nil {
			return fmt.Errorf("veth pair: %w", err)
		}
	}
	return nil
}

func (n *network) vethPair() path {
	return path{name: "veth pair", fromNetns: n.vethA, toNetns: n.vethB, toAddrPort: netip.AddrPortFrom(vethB.Addr(), benchPort)}
}

func (n *network) podToPod() path {
	a, b := n.topo.Nodes[0], n.topo.Nodes[1]
	return path{name: "pod to pod across nodes", fromNetns: a.Pod, toNetns: b.Pod, toAddrPort: netip.AddrPortFrom(b.PodIP, benchPort)}
}

// remove stops the route controllers and deletes every namespace.
func (n *network) remove() error {
	n.stopRoutes()
	if n.routesDone != nil {
		<-n.routesDone
	}
	errs := []error{testnet.DelNetns(n.vethA), testnet.DelNetns(n.vethB)}
	if n.topo != nil {
		errs = append(errs, n.topo.Remove())
	}
	return errors.Join(errs...)
}
