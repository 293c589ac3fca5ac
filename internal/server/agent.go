package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"github.com/bosun-dev/bosun/internal/agent"
	"github.com/bosun-dev/bosun/internal/hostaddr"
	"github.com/bosun-dev/bosun/internal/pki"
)

// agentCertTTL is how long the local agent's certificates last; they are
// re-issued at every server start.
const agentCertTTL = 365 * 24 * time.Hour

// runLocalAgent runs the node agent of `bosun server` in this process, with
// credentials issued from the cluster CA: a client certificate for
// system:node:<name> in system:nodes and a serving certificate for its
// HTTPS endpoint. It returns when ctx ends.
func runLocalAgent(ctx context.Context, cfg agent.Config, bundle *pki.Bundle, apiURL string) error {
	if cfg.DataDir == "" {
		return fmt.Errorf("local agent: no data dir")
	}
	if cfg.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("local agent node name: %w", err)
		}
		cfg.NodeName = strings.ToLower(h)
	}
	certPEM, keyPEM, err := bundle.IssueClientCert("system:node:"+cfg.NodeName, []string{"system:nodes"}, agentCertTTL)
	if err != nil {
		return fmt.Errorf("local agent: %w", err)
	}
	if cfg.NodeIP == "" {
		cfg.NodeIP = hostaddr.IPv4()
	}
	hosts := []string{cfg.NodeName, "localhost", "127.0.0.1", cfg.NodeIP}
	servingPEM, servingKeyPEM, err := bundle.IssueServingCert(cfg.NodeName, hosts, agentCertTTL)
	if err != nil {
		return fmt.Errorf("local agent: %w", err)
	}
	kubeconfig := filepath.Join(cfg.DataDir, "kubelet.kubeconfig")
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("local agent data dir: %w", err)
	}
	if err := pki.WriteKubeconfig(kubeconfig, apiURL, bundle.CAPEM, certPEM, keyPEM, "bosun-node"); err != nil {
		return fmt.Errorf("local agent kubeconfig: %w", err)
	}
	cfg.REST = &rest.Config{
		Host: apiURL, QPS: 50, Burst: 100, UserAgent: "bosun-agent/" + cfg.NodeName,
		TLSClientConfig: rest.TLSClientConfig{CAData: bundle.CAPEM, CertData: certPEM, KeyData: keyPEM},
	}
	cfg.ServingCertPEM, cfg.ServingKeyPEM, cfg.ClientCAPEM = servingPEM, servingKeyPEM, bundle.CAPEM
	slog.Info("Starting the local node agent", "node", cfg.NodeName, "dataDir", cfg.DataDir)
	return agent.Run(ctx, cfg)
}
