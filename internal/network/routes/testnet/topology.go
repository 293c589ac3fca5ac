package testnet

import (
	"errors"
	"fmt"
	"net/netip"
)

// ClusterCIDR holds every pod CIDR of a Topology: node i (from 0) gets
// 10.77.<i+1>.0/24.
const ClusterCIDR = "10.77.0.0/16"

// PodBridge is the bridge pods attach to in each node's namespace.
const PodBridge = "pods0"

// Node is one node of a Topology.
type Node struct {
	Name    string       // the Node object's name: "node-<i>"
	Netns   string       // the node's namespace, where its routes belong
	Addr    netip.Prefix // on the underlay, eth0: 192.168.77.<i+1>/24
	PodCIDR netip.Prefix // on PodBridge, whose address is the pods' gateway
	Pod     string       // the pod's namespace
	PodIP   netip.Addr   // the pod's eth0, second address of PodCIDR
}

// Topology is nodes on an underlay bridge: pod netns → veth → node's pod
// bridge → node netns → veth → underlay bridge → veth → other node netns →
// bridge → pod netns. It has no routes between nodes: those are what the
// routes package adds.
type Topology struct {
	Underlay string // namespace holding the underlay bridge br0
	Nodes    []Node
}

// Build makes a topology of n nodes (1 to 9) with namespaces named
// "<prefix>-u", "<prefix>-n<i>" and "<prefix>-p<i>"; on error it removes
// what it made. Forwarding and everything else beyond plain addressing
// are the caller's to set.
func Build(prefix string, n int) (t *Topology, err error) {
	if n < 1 || n > 9 {
		return nil, fmt.Errorf("testnet: %d nodes, want 1 to 9", n)
	}
	t = &Topology{Underlay: prefix + "-u"}
	defer func() {
		if err != nil {
			err = errors.Join(err, t.Remove())
			t = nil
		}
	}()
	if err := AddNetns(t.Underlay); err != nil {
		return t, err
	}
	if err := ip(t.Underlay, "link", "add", "br0", "type", "bridge"); err != nil {
		return t, err
	}
	if err := ip(t.Underlay, "link", "set", "br0", "up"); err != nil {
		return t, err
	}
	for i := range n {
		node := Node{
			Name:    fmt.Sprintf("node-%d", i),
			Netns:   fmt.Sprintf("%s-n%d", prefix, i),
			Addr:    netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, 77, byte(i + 1)}), 24),
			PodCIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 77, byte(i + 1), 0}), 24),
			Pod:     fmt.Sprintf("%s-p%d", prefix, i),
			PodIP:   netip.AddrFrom4([4]byte{10, 77, byte(i + 1), 2}),
		}
		t.Nodes = append(t.Nodes, node)
		if err := t.addNode(i, node); err != nil {
			return t, fmt.Errorf("testnet: node %s: %w", node.Name, err)
		}
	}
	return t, nil
}

func (t *Topology) addNode(i int, n Node) error {
	gw := n.PodCIDR.Addr().Next()
	uplink := fmt.Sprintf("u%d", i)
	steps := []struct {
		netns string
		args  []string
	}{
		{"", []string{"netns", "add", n.Netns}},
		{n.Netns, []string{"link", "set", "lo", "up"}},
		{t.Underlay, []string{"link", "add", uplink, "type", "veth", "peer", "name", "eth0", "netns", n.Netns}},
		{t.Underlay, []string{"link", "set", uplink, "master", "br0", "up"}},
		{n.Netns, []string{"addr", "add", n.Addr.String(), "dev", "eth0"}},
		{n.Netns, []string{"link", "set", "eth0", "up"}},
		{n.Netns, []string{"link", "add", PodBridge, "type", "bridge"}},
		{n.Netns, []string{"addr", "add", netip.PrefixFrom(gw, n.PodCIDR.Bits()).String(), "dev", PodBridge}},
		{n.Netns, []string{"link", "set", PodBridge, "up"}},
		{"", []string{"netns", "add", n.Pod}},
		{n.Pod, []string{"link", "set", "lo", "up"}},
		{n.Netns, []string{"link", "add", "veth0", "type", "veth", "peer", "name", "eth0", "netns", n.Pod}},
		{n.Netns, []string{"link", "set", "veth0", "master", PodBridge, "up"}},
		{n.Pod, []string{"addr", "add", netip.PrefixFrom(n.PodIP, n.PodCIDR.Bits()).String(), "dev", "eth0"}},
		{n.Pod, []string{"link", "set", "eth0", "up"}},
		{n.Pod, []string{"route", "add", "default", "via", gw.String()}},
	}
	for _, s := range steps {
		if err := ip(s.netns, s.args...); err != nil {
			return err
		}
	}
	return nil
}

// ip runs ip(8) in netns ("" for the caller's).
func ip(netns string, args ...string) error {
	if netns != "" {
		args = append([]string{"-n", netns}, args...)
	}
	return Cmd("ip", args...)
}

// Remove deletes every namespace of the topology, pods first.
func (t *Topology) Remove() error {
	var errs []error
	for _, n := range t.Nodes {
		errs = append(errs, DelNetns(n.Pod), DelNetns(n.Netns))
	}
	errs = append(errs, DelNetns(t.Underlay))
	return errors.Join(errs...)
}
