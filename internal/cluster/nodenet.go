package cluster

import (
	"context"
	"errors"
	"fmt"
)

// setUpNodeNet makes a node's network namespace and its veth pair: the host
// end on the cluster bridge, the other end eth0 inside with the node's
// address and a default route through the bridge.
func setUpNodeNet(ctx context.Context, c *Cluster, n *Node) error {
	subnet, err := c.SubnetPrefix()
	if err != nil {
		return err
	}
	steps := [][]string{
		{"netns", "add", n.Netns},
		{"link", "add", n.HostVeth, "type", "veth", "peer", "name", "eth0", "netns", n.Netns},
		{"link", "set", n.HostVeth, "master", c.Bridge},
		{"-n", n.Netns, "addr", "add", fmt.Sprintf("%s/%d", n.IP, subnet.Bits()), "dev", "eth0"},
		{"-n", n.Netns, "link", "set", "lo", "up"},
		{"-n", n.Netns, "link", "set", "eth0", "up"},
		{"-n", n.Netns, "route", "add", "default", "via", c.BridgeIP},
	}
	if !n.Partitioned {
		steps = append(steps, []string{"link", "set", n.HostVeth, "up"})
	}
	for _, args := range steps {
		if err := run(ctx, "ip", args...); err != nil {
			return fmt.Errorf("network of node %s: %w", n.Name, err)
		}
	}
	return nil
}

// tearDownNodeNet removes a node's network namespace, which takes its pod
// bridge, routes and nftables tables with it. The veth pair goes first,
// by its host end: a namespace's interfaces are destroyed asynchronously
// after `ip netns delete`, so the host end would linger for a moment.
func tearDownNodeNet(ctx context.Context, n *Node) error {
	var errs []error
	if linkExists(n.HostVeth) {
		if err := run(ctx, "ip", "link", "delete", n.HostVeth); err != nil && linkExists(n.HostVeth) {
			errs = append(errs, err)
		}
	}
	if netnsExists(n.Netns) {
		errs = append(errs, run(ctx, "ip", "netns", "delete", n.Netns))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove network of node %s: %w", n.Name, err)
	}
	return nil
}

// setLink takes a node's host-side veth up or down: down cuts it off every
// other node and the host, as a pulled cable would.
func setLink(ctx context.Context, n *Node, up bool) error {
	state := "down"
	if up {
		state = "up"
	}
	if err := run(ctx, "ip", "link", "set", n.HostVeth, state); err != nil {
		return fmt.Errorf("set node %s's link %s: %w", n.Name, state, err)
	}
	return nil
}
