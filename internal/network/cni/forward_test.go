package cni

import (
	"os"
	"strings"
	"testing"

	"github.com/bosun-dev/bosun/internal/network/routes/testnet"
)

// inTestNetns runs fn inside a network namespace made for the test, so
// sysctls and nftables tables of the host are never touched.
func inTestNetns(t *testing.T, fn func() error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: needs root to create a network namespace (CI runs as root)")
	}
	ns := testnet.Name("bt")
	if err := testnet.AddNetns(ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := testnet.DelNetns(ns); err != nil {
			t.Error(err)
		}
	})
	if err := testnet.Do(ns, fn); err != nil {
		t.Fatal(err)
	}
}

func TestEnableForwardingAndBridgeNetfilter(t *testing.T) {
	paths := append([]string{forwardSysctl}, bridgeSysctls...)
	read := func() string {
		var vals []string
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				return err.Error()
			}
			vals = append(vals, strings.TrimSpace(string(b)))
		}
		return strings.Join(vals, " ")
	}
	var before, after, again string
	inTestNetns(t, func() error {
		// A fresh namespace may inherit 1s; start from 0 to see the writes.
		for _, p := range paths {
			if err := os.WriteFile(p, []byte("0\n"), 0o644); err != nil {
				return err
			}
		}
		before = read()
		if err := EnableForwarding(); err != nil {
			return err
		}
		if err := EnableBridgeNetfilter(); err != nil {
			return err
		}
		after = read()
		if err := EnableBridgeNetfilter(); err != nil {
			return err
		}
		again = read()
		return nil
	})
	if before != "0 0 0" || after != "1 1 1" || again != after {
		t.Fatalf("sysctls %v: before %q, after %q, after a second call %q; want 0s then 1s", paths, before, after, again)
	}
}
