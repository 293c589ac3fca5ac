package cni

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

func TestMasqueradeRules(t *testing.T) {
	tests := []struct {
		name, bridge, podCIDR, clusterCIDR string
		wantRule, wantErr                  string
	}{
		{"cluster CIDR", "bosun0", "10.244.3.0/24", "10.244.0.0/16",
			`ip saddr 10.244.3.0/24 ip daddr != 10.244.0.0/16 oifname != "bosun0" masquerade`, ""},
		{"no cluster CIDR: the pod CIDR alone", "bosun0", "10.244.3.0/24", "",
			`ip saddr 10.244.3.0/24 ip daddr != 10.244.3.0/24 oifname != "bosun0" masquerade`, ""},
		{"host bits masked", "br1", "10.244.3.9/24", "10.244.7.7/16",
			`ip saddr 10.244.3.0/24 ip daddr != 10.244.0.0/16 oifname != "br1" masquerade`, ""},
		{"cluster CIDR equal to the pod CIDR", "bosun0", "10.244.3.0/24", "10.244.3.0/24",
			`ip daddr != 10.244.3.0/24`, ""},
		{"IPv6 pod CIDR", "bosun0", "fd00::/64", "", "", "pod CIDR"},
		{"bad pod CIDR", "bosun0", "nope", "", "", "pod CIDR"},
		{"bad cluster CIDR", "bosun0", "10.244.3.0/24", "10.244.0.0", "", "cluster CIDR"},
		{"IPv6 cluster CIDR", "bosun0", "10.244.3.0/24", "fd00::/48", "", "cluster CIDR"},
		{"pod CIDR outside the cluster's", "bosun0", "10.245.3.0/24", "10.244.0.0/16", "", "not inside cluster CIDR"},
		{"cluster CIDR narrower than the pod CIDR", "bosun0", "10.244.0.0/16", "10.244.3.0/24", "", "not inside cluster CIDR"},
		{"quote in bridge name", "br\"x", "10.0.0.0/24", "", "", "invalid bridge"},
		{"no bridge name", "", "10.0.0.0/24", "", "", "invalid bridge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := masqueradeRules(tt.bridge, tt.podCIDR, tt.clusterCIDR)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			table := "bosun_" + tt.bridge
			for _, want := range []string{
				"table ip " + table + "\ndelete table ip " + table + "\n",
				"type nat hook postrouting priority srcnat; policy accept;",
				tt.wantRule,
			} {
				if !strings.Contains(got, want) {
					t.Errorf("rules lack %q:\n%s", want, got)
				}
			}
		})
	}
}

func TestEnsureAndRemoveMasquerade(t *testing.T) {
	const bridge = "bosun0"
	list := func() (string, error) {
		out, err := exec.Command("nft", "list", "table", "ip", "bosun_"+bridge).CombinedOutput()
		return string(out), err
	}
	inTestNetns(t, func() error {
		for range 2 { // idempotent
			if err := EnsureMasquerade(bridge, "10.251.3.0/24", "10.251.0.0/16"); err != nil {
				return err
			}
		}
		out, err := list()
		if err != nil || strings.Count(out, "masquerade") != 1 || !strings.Contains(out, "ip daddr != 10.251.0.0/16") {
			return fmt.Errorf("table after two ensures: %v\n%s", err, out)
		}
		if err := RemoveMasquerade(bridge); err != nil {
			return err
		}
		if _, err := list(); err == nil {
			return errors.New("table left after RemoveMasquerade")
		}
		if err := RemoveMasquerade(bridge); err != nil {
			return fmt.Errorf("removing a missing table: %w", err)
		}
		return nil
	})
}
