package proxy

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// NFT applies an nft script with `nft -f -` in the caller's network
// namespace; nft commits a file as one transaction.
func NFT(ctx context.Context, script string) error {
	cmd := exec.CommandContext(ctx, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft -f: %w: %s", err, firstLines(bytes.TrimSpace(out), 6))
	}
	return nil
}

// Cleanup removes the proxy's table from the caller's network namespace;
// a missing table is fine.
func Cleanup(ctx context.Context) error {
	script := fmt.Sprintf("table ip %[1]s\ndelete table ip %[1]s\n", TableName)
	if err := NFT(ctx, script); err != nil {
		return fmt.Errorf("remove table %s: %w", TableName, err)
	}
	return nil
}

// firstLines keeps nft's error short: on a big script it echoes the
// offending lines, which can be very long.
func firstLines(b []byte, n int) string {
	lines := strings.SplitN(string(b), "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	for i, l := range lines {
		if len(l) > 300 {
			lines[i] = l[:300] + "…"
		}
	}
	return strings.Join(lines, "\n")
}
