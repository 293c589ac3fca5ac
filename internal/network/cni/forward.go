package cni

import (
	"errors"
	"fmt"
	"os"
)

// sysctls the pod network needs: forwarding so pod traffic can leave the
// node through the bridge gateway, and bridged traffic through iptables/
// nftables so service rules also see pod-to-pod packets on one bridge.
var sysctls = []struct {
	path     string
	optional bool // absent until br_netfilter is loaded
}{
	{"/proc/sys/net/ipv4/ip_forward", false},
	{"/proc/sys/net/bridge/bridge-nf-call-iptables", true},
}

// EnableForwarding sets net.ipv4.ip_forward=1 and, when the br_netfilter
// module is loaded, net.bridge.bridge-nf-call-iptables=1.
func EnableForwarding() error {
	for _, s := range sysctls {
		cur, err := os.ReadFile(s.path)
		if errors.Is(err, os.ErrNotExist) && s.optional {
			continue
		}
		if err == nil && len(cur) > 0 && cur[0] == '1' {
			continue
		}
		if err := os.WriteFile(s.path, []byte("1\n"), 0o644); err != nil {
			return fmt.Errorf("enable %s: %w", s.path, err)
		}
	}
	return nil
}
