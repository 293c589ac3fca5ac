package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"

	"github.com/bosun-dev/bosun/internal/network/cni"

	"github.com/bosun-dev/bosun/internal/network/routes"
)

// linkExists reports whether the host namespace has an interface of that name.
func linkExists(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}

// netnsExists reports whether `ip netns` knows the namespace.
func netnsExists(name string) bool {
	_, err := os.Stat(netnsPath(name))
	return err == nil
}

func netnsPath(name string) string { return "/run/netns/" + name }

// hostPrefixes lists what a new cluster subnet must not overlap: every
// IPv4 address (with its prefix) and every non-default route on the host.
func hostPrefixes(ctx context.Context) ([]netip.Prefix, error) {
	var out []netip.Prefix
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list host addresses: %w", err)
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.To4() == nil {
			continue
		}
		ones, _ := ipn.Mask.Size()
		addr, _ := netip.AddrFromSlice(ipn.IP.To4())
		out = append(out, netip.PrefixFrom(addr, ones).Masked())
	}
	raw, err := exec.CommandContext(ctx, "ip", "-j", "-4", "route", "show", "table", "all").Output()
	if err != nil {
		return nil, fmt.Errorf("list host routes: %w", err)
	}
	rs, err := parseRoutes(raw)
	if err != nil {
		return nil, err
	}
	return append(out, rs...), nil
}

// parseRoutes reads `ip -j route` output as IPv4 prefixes; the default
// route overlaps everything, so it is left out.
func parseRoutes(raw []byte) ([]netip.Prefix, error) {
	all, err := routes.ParseRoutes(raw)
	if err != nil {
		return nil, fmt.Errorf("parse host routes: %w", err)
	}
	var out []netip.Prefix
	for _, r := range all {
		if r.Dst.Addr().Is4() && r.Dst.Bits() > 0 {
			out = append(out, r.Dst.Masked())
		}
	}
	return out, nil
}

// masqueradeRules is the cluster's host nftables table: traffic from node
// addresses leaving by another interface than the bridge takes the host's
// address, so nodes (and pods, which their agent masquerades to the node's
// address) reach what the host reaches. Traffic between nodes is left alone
// even when br_netfilter shows bridged packets to this hook.
func masqueradeRules(table, bridge string, subnet netip.Prefix) string {
	return fmt.Sprintf(`table ip %[1]s {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr %[3]s ip daddr != %[3]s oifname != "%[2]s" masquerade
	}
}
`, table, bridge, subnet)
}

// setUpHost makes the cluster's bridge with the subnet's first address, its
// masquerade table, and turns on forwarding.
func setUpHost(ctx context.Context, c *Cluster) error {
	subnet, err := c.SubnetPrefix()
	if err != nil {
		return err
	}
	for _, args := range [][]string{
		{"link", "add", c.Bridge, "type", "bridge"},
		{"addr", "add", fmt.Sprintf("%s/%d", c.BridgeIP, subnet.Bits()), "dev", c.Bridge},
		{"link", "set", c.Bridge, "up"},
	} {
		if err := run(ctx, "ip", args...); err != nil {
			return fmt.Errorf("host bridge: %w", err)
		}
	}
	// The table is created whole in one transaction; delete any stale one
	// of this name first so the rule is not doubled.
	_ = run(ctx, "nft", "delete", "table", "ip", c.NFTable)
	if err := runStdin(ctx, masqueradeRules(c.NFTable, c.Bridge, subnet), "nft", "-f", "-"); err != nil {
		return fmt.Errorf("host masquerade table: %w", err)
	}
	if err := cni.EnableForwarding(); err != nil {
		return fmt.Errorf("enable host IP forwarding: %w", err)
	}
	return nil
}

// tearDownHost removes the bridge and the nftables table; what is already
// gone is no error.
func tearDownHost(ctx context.Context, c *Cluster) error {
	var errs []error
	if c.Bridge != "" && linkExists(c.Bridge) {
		errs = append(errs, run(ctx, "ip", "link", "delete", c.Bridge))
	}
	if c.NFTable != "" && nftTableExists(ctx, c.NFTable) {
		errs = append(errs, run(ctx, "nft", "delete", "table", "ip", c.NFTable))
	}
	return errors.Join(errs...)
}

func nftTableExists(ctx context.Context, table string) bool {
	return exec.CommandContext(ctx, "nft", "list", "table", "ip", table).Run() == nil
}
