package cni

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
)

// FileName is the conflist the agent owns in the runtime's CNI conf dir.
// The "10-" prefix sorts it first, since containerd loads only the first.
const FileName = "10-bosun.conflist"

// NetworkName names the network in the conflist and host-local's state.
const NetworkName = "bosun"

// cniVersion is the newest spec both Debian's plugins and containerd 1.6's
// libcni speak.
const cniVersion = "1.0.0"

// Config is the node's pod network.
type Config struct {
	// PodCIDR is the node's spec.podCIDR, e.g. "10.244.1.0/24". Required.
	PodCIDR string
	// BridgeName is the Linux bridge pods attach to. Default "bosun0".
	BridgeName string
	// MTU of the bridge and pod interfaces in bytes; 0 keeps the bridge
	// plugin's default (the kernel's, 1500 on Ethernet).
	MTU int
}

// WriteConfig atomically replaces confDir/10-bosun.conflist, so a runtime
// watching the dir never loads a half-written file. host-local keeps its
// allocations next to the conf dir (confDir/../ipam), so each agent on a
// host has its own.
func WriteConfig(confDir string, c Config) error {
	ipamDir := filepath.Join(filepath.Dir(filepath.Clean(confDir)), "ipam")
	b, err := render(c, ipamDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		return fmt.Errorf("create cni conf dir: %w", err)
	}
	path := filepath.Join(confDir, FileName)
	tmp, err := os.CreateTemp(confDir, ".bosun-*.tmp")
	if err != nil {
		return fmt.Errorf("write cni config: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write cni config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write cni config: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write cni config: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("install cni config %s: %w", path, err)
	}
	return nil
}

type conflist struct {
	CNIVersion string `json:"cniVersion"`
	Name       string `json:"name"`
	Plugins    []any  `json:"plugins"`
}

type bridge struct {
	Type        string `json:"type"`
	Bridge      string `json:"bridge"`
	IsGateway   bool   `json:"isGateway"`
	IPMasq      bool   `json:"ipMasq"`
	HairpinMode bool   `json:"hairpinMode"`
	MTU         int    `json:"mtu,omitempty"`
	IPAM        ipam   `json:"ipam"`
}

type ipam struct {
	Type    string              `json:"type"`
	Ranges  [][]map[string]any  `json:"ranges"`
	Routes  []map[string]string `json:"routes"`
	DataDir string              `json:"dataDir"`
}

type portmap struct {
	Type         string          `json:"type"`
	Capabilities map[string]bool `json:"capabilities"`
	SNAT         bool            `json:"snat"`
}

// render is the conflist for c with host-local state in ipamDir.
func render(c Config, ipamDir string) ([]byte, error) {
	prefix, err := netip.ParsePrefix(c.PodCIDR)
	if err != nil {
		return nil, fmt.Errorf("cni config: pod CIDR %q: %w", c.PodCIDR, err)
	}
	if !prefix.Addr().Is4() {
		return nil, fmt.Errorf("cni config: pod CIDR %s is not IPv4", prefix)
	}
	if c.BridgeName == "" {
		c.BridgeName = DefaultBridge
	}
	if c.MTU < 0 {
		return nil, fmt.Errorf("cni config: negative MTU %d", c.MTU)
	}
	list := conflist{CNIVersion: cniVersion, Name: NetworkName, Plugins: []any{
		bridge{Type: "bridge", Bridge: c.BridgeName, IsGateway: true, IPMasq: false, HairpinMode: true, MTU: c.MTU,
			IPAM: ipam{Type: "host-local",
				Ranges:  [][]map[string]any{{{"subnet": prefix.Masked().String()}}},
				Routes:  []map[string]string{{"dst": "0.0.0.0/0"}},
				DataDir: ipamDir}},
		portmap{Type: "portmap", Capabilities: map[string]bool{"portMappings": true}, SNAT: true},
	}}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cni config: %w", err)
	}
	return append(b, '\n'), nil
}
