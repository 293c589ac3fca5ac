package cni

import (
	"errors"
	"fmt"
	"os"
)

// Both settings are per network namespace, so they are written for the
// namespace of the calling thread: the agent's, which is its node's.

// forwardSysctl lets pod traffic leave the node through the bridge gateway
// and reach pods on other nodes.
const forwardSysctl = "/proc/sys/net/ipv4/ip_forward"

// bridgeSysctls pass packets bridged between two pods on one node through
// the ip (and ip6) family's netfilter hooks. Without them a pod reaching a
// Service whose endpoint sits on its own bridge is DNATed on the way out but
// the reply, bridged straight back, never meets the conntrack entry that
// would un-NAT it, and the client drops it.
var bridgeSysctls = []string{
	"/proc/sys/net/bridge/bridge-nf-call-iptables",
	"/proc/sys/net/bridge/bridge-nf-call-ip6tables",
}

// EnableForwarding sets net.ipv4.ip_forward=1.
func EnableForwarding() error {
	return setSysctl(forwardSysctl)
}

// EnableBridgeNetfilter sets net.bridge.bridge-nf-call-iptables=1 and
// bridge-nf-call-ip6tables=1. Since Linux 5.3 they exist in every network
// namespace once br_netfilter is loaded (built in or as a module); their
// absence means it is not, which this package cannot fix: it never loads
// modules.
func EnableBridgeNetfilter() error {
	for _, path := range bridgeSysctls {
		if err := setSysctl(path); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("bridge netfilter: %s missing, load the br_netfilter module: %w", path, err)
			}
			return err
		}
	}
	return nil
}

// setSysctl writes 1 to path unless it already holds 1.
func setSysctl(path string) error {
	cur, err := os.ReadFile(path)
	if err == nil && len(cur) > 0 && cur[0] == '1' {
		return nil
	}
	if err := os.WriteFile(path, []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("enable %s: %w", path, err)
	}
	return nil
}
