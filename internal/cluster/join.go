package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/bosun-dev/bosun/internal/pki"
)

// joinTokenTTL bounds a worker's bootstrap token; workers join within
// seconds and keep the kubeconfig they are issued.
const joinTokenTTL = "1h"

// newJoin mints a bootstrap token through `bosun token create` and pins the
// cluster CA from the control plane's certificates.
func (m *Manager) newJoin(ctx context.Context, c *Cluster) (*Join, error) {
	cp := c.ControlPlane()
	if cp == nil {
		return nil, errNoControlPlane
	}
	caPEM, err := os.ReadFile(filepath.Join(cp.DataDir, "pki", "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("read cluster CA: %w", err)
	}
	ca, err := pki.ParseCert(caPEM)
	if err != nil {
		return nil, fmt.Errorf("parse cluster CA: %w", err)
	}
	cmd := exec.CommandContext(ctx, m.Binary, "token", "create", "--kubeconfig", c.Kubeconfig(), "--ttl", joinTokenTTL)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("bosun token create: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 {
		return nil, fmt.Errorf("bosun token create printed no token")
	}
	return &Join{Token: fields[len(fields)-1], CACertHash: pki.PublicKeyPin(ca)}, nil
}

// joined reports whether a worker saved the kubeconfig its first join
// earned, so its next start needs no token.
func joined(n *Node) bool {
	_, err := os.Stat(filepath.Join(n.AgentDataDir(), "kubeconfig"))
	return err == nil
}
