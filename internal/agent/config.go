package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bosun-dev/bosun/internal/hostaddr"
	"github.com/bosun-dev/bosun/internal/network/cni"
	"k8s.io/client-go/rest"
)

// Config configures one node agent. Zero values take the documented defaults.
type Config struct {
	// REST reaches the API server with the node's credentials.
	REST *rest.Config
	// DataDir holds containerd's root, pod volumes and container logs
	// (default /var/lib/bosun/agent).
	DataDir string
	// NodeName defaults to the host name, lowercased.
	NodeName string
	// NodeIP is the address the node reports and serves on (default: the
	// host's first non-loopback IPv4).
	NodeIP string
	// Labels are added to the Node's own (kubernetes.io/hostname, os, arch).
	Labels map[string]string
	// RuntimeEndpoint uses an existing CRI runtime instead of starting
	// containerd ("unix:///run/containerd/containerd.sock").
	RuntimeEndpoint string
	// Port is the agent's HTTPS port (default 10250, as kubelet).
	Port int
	// ServingCertPEM and ServingKeyPEM are the agent's serving certificate;
	// ClientCAPEM verifies the API server's client certificate.
	ServingCertPEM, ServingKeyPEM, ClientCAPEM []byte
	// PodManifestPath is the static pod directory (default DataDir/manifests).
	PodManifestPath string
	// CgroupRoot is the cgroup every pod's cgroup lives under (default /kubepods).
	CgroupRoot string
	// ClusterDNS and ClusterDomain configure pods' resolv.conf for
	// dnsPolicy ClusterFirst (no ClusterDNS: the host's resolv.conf).
	ClusterDNS    []string
	ClusterDomain string
	// BridgeName is the Linux bridge pods attach to (default bosun0); agents
	// sharing a network namespace need different ones.
	BridgeName string
	// InsecureRegistries may be pulled from over plain HTTP.
	InsecureRegistries []string
	// RegistryMirrors sends a registry host's pulls to another endpoint URL.
	RegistryMirrors map[string]string
	// ClusterCIDR is the range every node's podCIDR comes from: pod traffic
	// inside it keeps its source address, traffic leaving it is masqueraded
	// (default 10.244.0.0/16, the server's default).
	ClusterCIDR string
	// SharedNetwork says another cluster's node owns this network namespace
	// (test agents share the host's with a developer's cluster): the agent
	// then programs no Service rules and no routes to other nodes.
	SharedNetwork bool
}

func (c *Config) setDefaults() error {
	if c.REST == nil {
		return fmt.Errorf("agent: no API server configuration")
	}
	if c.DataDir == "" {
		c.DataDir = "/var/lib/bosun/agent"
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("agent data dir: %w", err)
	}
	c.DataDir = abs
	if c.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("node name: %w", err)
		}
		c.NodeName = strings.ToLower(h)
	}
	if c.NodeIP == "" {
		c.NodeIP = hostaddr.IPv4()
	}
	if c.Port == 0 {
		c.Port = 10250
	}
	if c.PodManifestPath == "" {
		c.PodManifestPath = filepath.Join(c.DataDir, "manifests")
	}
	if c.ClusterCIDR == "" {
		c.ClusterCIDR = "10.244.0.0/16"
	}
	if c.CgroupRoot == "" {
		c.CgroupRoot = "/kubepods"
	}
	if c.ClusterDomain == "" {
		c.ClusterDomain = "cluster.local"
	}
	if c.BridgeName == "" {
		c.BridgeName = cni.DefaultBridge
	}
	if c.InsecureRegistries == nil {
		c.InsecureRegistries = []string{"localhost:5000", "127.0.0.1:5000"}
	}
	return nil
}
