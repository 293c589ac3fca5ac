package cni

import (
	"os"
	"strings"
	"testing"
)

func TestEnableForwarding(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIP: needs root to write /proc/sys (CI runs as root)")
	}
	before := map[string]string{}
	for _, s := range sysctls {
		if b, err := os.ReadFile(s.path); err == nil {
			before[s.path] = string(b)
		}
	}
	// Put back whatever was off, so the host ends as it began.
	t.Cleanup(func() {
		for path, v := range before {
			if strings.TrimSpace(v) != "1" {
				os.WriteFile(path, []byte(v), 0o644)
			}
		}
	})
	if err := EnableForwarding(); err != nil {
		t.Fatal(err)
	}
	for path := range before {
		b, err := os.ReadFile(path)
		if err != nil || strings.TrimSpace(string(b)) != "1" {
			t.Fatalf("%s = %q (%v) after EnableForwarding", path, b, err)
		}
	}
	if _, ok := before[sysctls[0].path]; !ok {
		t.Fatal("no ip_forward sysctl")
	}
}
