package proxy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// mallocTunables makes nft's heap use transparent huge pages. nft
// allocates a small object per token and keeps them all until it exits:
// on a whole table (1,000 services × 10 endpoints) the 4 KiB page faults
// of that growing heap were about 40% of nft's CPU time, and with huge
// pages nft takes 250 ms of CPU instead of 450. glibc before 2.35 ignores
// the tunable; small scripts do not get slower.
const mallocTunables = "glibc.malloc.hugetlb=1"

// NFTCommand is `nft -f -` reading script, in the caller's network
// namespace; nft commits a file as one transaction.
func NFTCommand(ctx context.Context, script string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	tunables := mallocTunables
	if t := os.Getenv("GLIBC_TUNABLES"); t != "" {
		tunables = t + ":" + tunables
	}
	cmd.Env = append(os.Environ(), "GLIBC_TUNABLES="+tunables)
	return cmd
}

// NFT applies an nft script with NFTCommand.
func NFT(ctx context.Context, script string) error {
	cmd := NFTCommand(ctx, script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft -f: %w: %s", err, firstLines(bytes.TrimSpace(out), 6))
	}
	return nil
}

// Cleanup removes the proxy's table from the caller's network namespace;
// a missing table is fine.
func Cleanup(ctx context.Context) error {
	if err := NFT(ctx, CleanupScript()); err != nil {
		return fmt.Errorf("remove table %s: %w", TableName, err)
	}
	return nil
}

// CleanupScript is the nft script removing the proxy's table; declaring
// the table first makes the delete succeed when it does not exist.
func CleanupScript() string {
	return fmt.Sprintf("table ip %[1]s\ndelete table ip %[1]s\n", TableName)
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
