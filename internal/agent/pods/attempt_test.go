package pods

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNextAttemptFromLogs(t *testing.T) {
	dir := t.TempDir()
	if got := nextAttemptFromLogs(filepath.Join(dir, "missing")); got != 0 {
		t.Fatalf("no dir: %d", got)
	}
	for _, name := range []string{"0.log", "2.log", "10.log", "3.log.20261123-101010", "x.log"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := nextAttemptFromLogs(dir); got != 11 {
		t.Fatalf("next attempt = %d, want 11", got)
	}
}
