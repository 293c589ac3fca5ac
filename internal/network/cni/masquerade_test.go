package cni

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestMasqueradeRules(t *testing.T) {
	got, err := masqueradeRules("bosun0", "10.244.3.0/24")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"table ip bosun_bosun0\ndelete table ip bosun_bosun0\n",
		"type nat hook postrouting priority srcnat; policy accept;",
		`ip saddr 10.244.3.0/24 ip daddr != 10.244.3.0/24 oifname != "bosun0" masquerade`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rules lack %q:\n%s", want, got)
		}
	}
	for _, bad := range [][2]string{{"bosun0", "fd00::/64"}, {"bosun0", "nope"}, {"br\"x", "10.0.0.0/24"}, {"", "10.0.0.0/24"}} {
		if _, err := masqueradeRules(bad[0], bad[1]); err == nil {
			t.Errorf("masqueradeRules(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func TestEnsureAndRemoveMasquerade(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIP: needs root for nftables (CI runs as root)")
	}
	const bridge = "bmasqtest0"
	t.Cleanup(func() { _ = RemoveMasquerade(bridge) })
	for range 2 { // idempotent
		if err := EnsureMasquerade(bridge, "10.251.0.0/24"); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("nft", "list", "table", "ip", "bosun_"+bridge).CombinedOutput()
	if err != nil || strings.Count(string(out), "masquerade") != 1 {
		t.Fatalf("table after two ensures: %v\n%s", err, out)
	}
	if err := RemoveMasquerade(bridge); err != nil {
		t.Fatal(err)
	}
	if exec.Command("nft", "list", "table", "ip", "bosun_"+bridge).Run() == nil {
		t.Fatal("table left after RemoveMasquerade")
	}
	if err := RemoveMasquerade(bridge); err != nil {
		t.Fatalf("removing a missing table: %v", err)
	}
}
