package controlplane

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"time"

	"k8s.io/client-go/rest"
)

// Config configures Run. Zero values take the documented defaults.
type Config struct {
	// REST reaches the API server; its QPS limits are raised for the control plane.
	REST *rest.Config
	// Scheduler and Controllers select what runs.
	Scheduler   bool
	Controllers bool
	// Identity names this process in leader election Leases (default
	// "<hostname>_<random>"). A stable identity lets a restarted server take
	// its Leases back at once instead of waiting for them to expire.
	Identity string
	// LeaseDuration, RenewDeadline and RetryPeriod are client-go's leader
	// election timings (defaults 15s, 10s, 2s, as Kubernetes' components).
	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration
	// CACert is the cluster CA (PEM) published as kube-root-ca.crt in every namespace.
	CACert []byte
	// CAKey is CACert's private key. With it the CSR signer issues
	// certificates (node TLS bootstrap); without it (a control plane
	// apart from the API server's files) CSRs are only approved.
	CAKey crypto.Signer
	// NodeMonitorGracePeriod is how long a node may go without renewing its
	// Lease or status before it is marked Unknown (default 40s).
	NodeMonitorGracePeriod time.Duration
	// ClusterCIDR is the range nodes' podCIDRs are cut from (default 10.244.0.0/16).
	ClusterCIDR string
}

func (c *Config) setDefaults() {
	if c.Identity == "" {
		host, _ := os.Hostname()
		c.Identity = host + "_" + randomSuffix()
	}
	if c.LeaseDuration == 0 {
		c.LeaseDuration = 15 * time.Second
	}
	if c.RenewDeadline == 0 {
		c.RenewDeadline = 10 * time.Second
	}
	if c.RetryPeriod == 0 {
		c.RetryPeriod = 2 * time.Second
	}
	if c.NodeMonitorGracePeriod == 0 {
		c.NodeMonitorGracePeriod = 40 * time.Second
	}
}

// StableIdentity names a server by host and data directory, so the same
// server restarted keeps its identity (and its Leases).
func StableIdentity(dataDir string) string {
	host, _ := os.Hostname()
	sum := sha256.Sum256([]byte(dataDir))
	return host + "_" + hex.EncodeToString(sum[:4])
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
