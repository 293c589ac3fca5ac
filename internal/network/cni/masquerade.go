package cni

import (
	"bytes"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
)

// Pods leave the node masqueraded as the node by one nftables rule per
// bridge, not by the bridge plugin's ipMasq: that made an iptables chain per
// pod and cost about a quarter of containerd's CPU per pod start.

// masqueradeTable names the bridge's nftables table.
func masqueradeTable(bridge string) string { return "bosun_" + bridge }

// masqueradeRules is the nft script that (re)creates the bridge's table:
// traffic from podCIDR to anywhere outside clusterCIDR, leaving by another
// interface, takes the node's address. Traffic to pods on other nodes keeps
// its pod source address, so they see who called and reply straight back
// over the pod routes. An empty clusterCIDR means podCIDR (a single node).
// The leading add+delete makes the script replace an old table atomically.
func masqueradeRules(bridge, podCIDR, clusterCIDR string) (string, error) {
	p, err := netip.ParsePrefix(podCIDR)
	if err != nil || !p.Addr().Is4() {
		return "", fmt.Errorf("masquerade: pod CIDR %q is not an IPv4 prefix", podCIDR)
	}
	p = p.Masked()
	cluster := p
	if clusterCIDR != "" {
		c, err := netip.ParsePrefix(clusterCIDR)
		if err != nil || !c.Addr().Is4() {
			return "", fmt.Errorf("masquerade: cluster CIDR %q is not an IPv4 prefix", clusterCIDR)
		}
		// A pod CIDR outside the cluster CIDR means the agent was given
		// another cluster's CIDR, and its pods would be masqueraded
		// towards pods on the other nodes.
		if c = c.Masked(); c.Bits() > p.Bits() || !c.Contains(p.Addr()) {
			return "", fmt.Errorf("masquerade: pod CIDR %s is not inside cluster CIDR %s", p, c)
		}
		cluster = c
	}
	if bridge == "" || strings.ContainsAny(bridge, " \t\"{};") {
		return "", fmt.Errorf("masquerade: invalid bridge name %q", bridge)
	}
	t := masqueradeTable(bridge)
	return fmt.Sprintf(`table ip %[1]s
delete table ip %[1]s
table ip %[1]s {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr %[2]s ip daddr != %[4]s oifname != "%[3]s" masquerade
	}
}
`, t, p, bridge, cluster), nil
}

// EnsureMasquerade installs the bridge's masquerade rule for podCIDR in
// the caller's network namespace; clusterCIDR is the server's
// --cluster-cidr, every node's pod CIDR included ("" for podCIDR alone).
func EnsureMasquerade(bridge, podCIDR, clusterCIDR string) error {
	script, err := masqueradeRules(bridge, podCIDR, clusterCIDR)
	if err != nil {
		return err
	}
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("masquerade: nft: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// RemoveMasquerade deletes the bridge's table; a missing one is fine.
func RemoveMasquerade(bridge string) error {
	t := masqueradeTable(bridge)
	if err := exec.Command("nft", "list", "table", "ip", t).Run(); err != nil {
		return nil
	}
	if out, err := exec.Command("nft", "delete", "table", "ip", t).CombinedOutput(); err != nil {
		return fmt.Errorf("remove masquerade table %s: %v: %s", t, err, bytes.TrimSpace(out))
	}
	return nil
}
