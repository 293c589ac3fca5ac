package join

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Config says how to join and where the credentials go.
type Config struct {
	// Server is the API server URL (https://IP:6443).
	Server string
	// Token is a bootstrap token "<id>.<secret>"; CACertHash pins the
	// cluster CA ("sha256:<hex of its SubjectPublicKeyInfo hash>").
	Token      string
	CACertHash string
	// DataDir is the agent's data dir: DataDir/kubeconfig and DataDir/pki
	// hold the node's credentials.
	DataDir string
	// NodeName and NodeIP go on the certificates (required).
	NodeName string
	NodeIP   string
	// Progress receives one line per step a human waits on; nil discards.
	Progress io.Writer
	// SignTimeout bounds each wait for a certificate (default 5m).
	SignTimeout time.Duration
}

// Credentials are what the node agent runs with.
type Credentials struct {
	// REST reaches the API server as system:node:<NodeName>.
	REST *rest.Config
	// ServingCertPEM and ServingKeyPEM serve the agent's HTTPS endpoint;
	// ClientCAPEM (the cluster CA) verifies the API server's client
	// certificate there.
	ServingCertPEM, ServingKeyPEM, ClientCAPEM []byte
}

// Paths of the node's credentials under the data dir.
func kubeconfigPath(dataDir string) string { return filepath.Join(dataDir, "kubeconfig") }
func pkiPath(dataDir, name string) string  { return filepath.Join(dataDir, "pki", name) }

// Join returns the node's credentials: from DataDir/kubeconfig when an
// earlier join wrote it (the token may have expired since), otherwise by
// bootstrapping with the token. A serving certificate still good for
// NodeName and NodeIP is reused, else requested anew.
func Join(ctx context.Context, cfg Config) (*Credentials, error) {
	if cfg.NodeName == "" || cfg.NodeIP == "" {
		return nil, errors.New("join: node name and node IP are required")
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if cfg.SignTimeout == 0 {
		cfg.SignTimeout = 5 * time.Minute
	}
	path := kubeconfigPath(cfg.DataDir)
	var rc *rest.Config
	if _, err := os.Stat(path); err == nil {
		if rc, err = clientcmd.BuildConfigFromFlags("", path); err != nil {
			return nil, fmt.Errorf("load node kubeconfig %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("node kubeconfig: %w", err)
	} else if rc, err = bootstrap(ctx, cfg); err != nil {
		return nil, err
	}
	caPEM := rc.CAData
	if len(caPEM) == 0 {
		return nil, fmt.Errorf("node kubeconfig %s has no certificate-authority-data", path)
	}
	certPEM, keyPEM, err := ensureServing(ctx, rc, caPEM, cfg)
	if err != nil {
		return nil, err
	}
	rc.UserAgent = "bosun-agent/" + cfg.NodeName
	// client-go's default 5 QPS would queue a node's status writes behind
	// a burst of pod starts.
	rc.QPS, rc.Burst = 50, 100
	return &Credentials{REST: rc, ServingCertPEM: certPEM, ServingKeyPEM: keyPEM, ClientCAPEM: caPEM}, nil
}
