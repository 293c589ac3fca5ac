package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/bosun-dev/bosun/internal/pki"

	"golang.org/x/sys/unix"
)

// DefaultStateDir is where clusters keep their state unless told otherwise.
const DefaultStateDir = "/var/lib/bosun/clusters"

// Cluster is what cluster.json records: everything a cluster made on the
// host, written before it is made so a delete finds it all.
type Cluster struct {
	Name        string    `json:"name"`
	Subnet      string    `json:"subnet"`
	Bridge      string    `json:"bridge"`
	BridgeIP    string    `json:"bridgeIP"`
	ClusterCIDR string    `json:"clusterCIDR"`
	NFTable     string    `json:"nftTable"`
	Created     time.Time `json:"created"`
	// NodeMonitorGracePeriod is the server's --node-monitor-grace-period
	// (0: the server's default).
	NodeMonitorGracePeriod time.Duration `json:"nodeMonitorGracePeriod,omitempty"`
	// RegistryMirrors are every node's --registry-mirror values.
	RegistryMirrors []string `json:"registryMirrors,omitempty"`
	// ServerArgs and AgentArgs are appended to the control plane's and the
	// workers' command lines.
	ServerArgs []string `json:"serverArgs,omitempty"`
	AgentArgs  []string `json:"agentArgs,omitempty"`
	Nodes      []Node   `json:"nodes"`

	// dir is the cluster's state directory; not stored.
	dir string
}

// Node is one node of a cluster.
type Node struct {
	Name       string `json:"name"`
	Role       string `json:"role"`
	IP         string `json:"ip"`
	Netns      string `json:"netns"`
	HostVeth   string `json:"hostVeth"`
	DataDir    string `json:"dataDir"`
	CgroupRoot string `json:"cgroupRoot"`
	// Join is what a worker joined with. `bosun agent` takes the same flags
	// on every start, though once it has saved its kubeconfig it no longer
	// uses the token (which may have expired by then).
	Join *Join `json:"join,omitempty"`
	// PID is the node's bosun process (server or agent), 0 when stopped.
	PID         int  `json:"pid,omitempty"`
	Partitioned bool `json:"partitioned,omitempty"`
}

// Dir is the cluster's state directory.
func (c *Cluster) Dir() string { return c.dir }

// Kubeconfig is the path of the admin kubeconfig users reach the cluster with.
func (c *Cluster) Kubeconfig() string { return filepath.Join(c.dir, "kubeconfig") }

// LogFile is where a node's processes write.
func (n *Node) LogFile() string { return filepath.Join(n.DataDir, "bosun.log") }

// AgentDataDir is the node agent's data dir: "agent" under the node's
// directory, which is where `bosun server` puts its local agent's too.
func (n *Node) AgentDataDir() string { return filepath.Join(n.DataDir, "agent") }

// processDataDir is the --data-dir on the node's command line, which tells
// its process from any other: the control plane's server takes the node's
// directory (its agent's is under it), a worker's agent the agent's.
func (n *Node) processDataDir() string {
	if n.Role == RoleControlPlane {
		return n.DataDir
	}
	return n.AgentDataDir()
}

// Node returns the named node, or nil.
func (c *Cluster) Node(name string) *Node {
	for i := range c.Nodes {
		if c.Nodes[i].Name == name {
			return &c.Nodes[i]
		}
	}
	return nil
}

// ControlPlane returns the control-plane node, or nil.
func (c *Cluster) ControlPlane() *Node {
	for i := range c.Nodes {
		if c.Nodes[i].Role == RoleControlPlane {
			return &c.Nodes[i]
		}
	}
	return nil
}

// SubnetPrefix parses Subnet.
func (c *Cluster) SubnetPrefix() (netip.Prefix, error) { return netip.ParsePrefix(c.Subnet) }

func stateFile(dir string) string { return filepath.Join(dir, "cluster.json") }

// Save writes cluster.json atomically: a crash leaves the old or the new one.
func (c *Cluster) Save() error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encode cluster %s: %w", c.Name, err)
	}
	// 0600: it holds the nodes' join tokens.
	if err := pki.WriteFileAtomic(stateFile(c.dir), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("save cluster %s: %w", c.Name, err)
	}
	return nil
}

// ErrNotFound is returned for a cluster the state directory does not hold.
var ErrNotFound = errors.New("not found")

// Load reads a cluster's state.
func Load(stateDir, name string) (*Cluster, error) {
	dir := filepath.Join(stateDir, name)
	data, err := os.ReadFile(stateFile(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cluster %s %w in %s", name, ErrNotFound, stateDir)
	}
	if err != nil {
		return nil, fmt.Errorf("load cluster %s: %w", name, err)
	}
	c := &Cluster{dir: dir}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("load cluster %s: %s: %w", name, stateFile(dir), err)
	}
	return c, nil
}

// List loads every cluster in stateDir, by name.
func List(stateDir string) ([]*Cluster, error) {
	entries, err := os.ReadDir(stateDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list clusters: %w", err)
	}
	var out []*Cluster
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := Load(stateDir, e.Name())
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// lock takes an exclusive lock on a cluster's directory, so two commands
// never write its cluster.json from stale copies; unlock releases it.
func lock(dir string) (unlock func(), err error) {
	return lockFile(filepath.Join(dir, ".lock"))
}

// hostLock is held while a new cluster picks its subnet and bridge and
// claims them on the host, so two creates (even with different state
// dirs) never pick the same free subnet.
const hostLock = "/run/lock/bosun-cluster.lock"

func lockFile(path string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
