package cluster

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Manager runs the clusters of one state directory.
type Manager struct {
	// StateDir holds one directory per cluster (default DefaultStateDir).
	StateDir string
	// Binary is the bosun executable nodes run (default os.Executable()).
	Binary string
	// Out receives progress lines (default io.Discard).
	Out io.Writer
	// StopGrace is how long a node's process may take to exit after
	// SIGTERM before it is killed (default 30s).
	StopGrace time.Duration
	// ReadyTimeout bounds waiting for the API server and for nodes to turn
	// Ready (default 2m).
	ReadyTimeout time.Duration
}

func (m *Manager) setDefaults() error {
	if m.StateDir == "" {
		m.StateDir = DefaultStateDir
	}
	abs, err := filepath.Abs(m.StateDir)
	if err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	m.StateDir = abs
	if m.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the bosun binary: %w", err)
		}
		m.Binary = exe
	}
	if m.Out == nil {
		m.Out = io.Discard
	}
	if m.StopGrace == 0 {
		m.StopGrace = 30 * time.Second
	}
	if m.ReadyTimeout == 0 {
		m.ReadyTimeout = 2 * time.Minute
	}
	return nil
}

func (m *Manager) printf(format string, args ...any) { fmt.Fprintf(m.Out, format, args...) }

// phase prints what is being done, runs it, and prints how long it took;
// its error names the phase.
func (m *Manager) phase(what string, f func() error) error {
	m.printf("%s ...", what)
	start := time.Now()
	if err := f(); err != nil {
		m.printf(" failed\n")
		return fmt.Errorf("%s: %w", lowerFirst(what), err)
	}
	m.printf(" %s\n", time.Since(start).Round(10*time.Millisecond))
	return nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// List returns the clusters in the state directory.
func (m *Manager) List() ([]*Cluster, error) {
	if err := m.setDefaults(); err != nil {
		return nil, err
	}
	return List(m.StateDir)
}

// Get loads one cluster.
func (m *Manager) Get(name string) (*Cluster, error) {
	if err := m.setDefaults(); err != nil {
		return nil, err
	}
	return Load(m.StateDir, name)
}

// update locks a cluster, loads it fresh and runs f on it.
func (m *Manager) update(name string, f func(c *Cluster) error) error {
	if err := m.setDefaults(); err != nil {
		return err
	}
	dir := filepath.Join(m.StateDir, name)
	if _, err := os.Stat(stateFile(dir)); err != nil {
		return fmt.Errorf("cluster %s %w in %s", name, ErrNotFound, m.StateDir)
	}
	unlock, err := lock(dir)
	if err != nil {
		return err
	}
	defer unlock()
	c, err := Load(m.StateDir, name)
	if err != nil {
		return err
	}
	return f(c)
}

// FindNode returns the cluster holding a node name; cluster, when not
// empty, restricts the search to that cluster.
func (m *Manager) FindNode(node, cluster string) (string, error) {
	clusters, err := m.List()
	if err != nil {
		return "", err
	}
	var found []string
	for _, c := range clusters {
		if (cluster == "" || c.Name == cluster) && c.Node(node) != nil {
			found = append(found, c.Name)
		}
	}
	switch len(found) {
	case 0:
		if cluster != "" {
			return "", fmt.Errorf("cluster %s has no node %s", cluster, node)
		}
		return "", fmt.Errorf("no cluster in %s has a node %s", m.StateDir, node)
	case 1:
		return found[0], nil
	default:
		return "", fmt.Errorf("node %s is in clusters %s: choose one with --cluster", node, strings.Join(found, ", "))
	}
}

// NodeStatus describes a node for listings: running or stopped, and
// partitioned when cut off.
func NodeStatus(n *Node) string {
	s := "stopped"
	if ownsProcess(n.PID, n.processDataDir()) {
		s = "running"
	}
	if n.Partitioned {
		s += ",partitioned"
	}
	return s
}

// Running counts a cluster's nodes whose process runs.
func Running(c *Cluster) int {
	count := 0
	for i := range c.Nodes {
		if ownsProcess(c.Nodes[i].PID, c.Nodes[i].processDataDir()) {
			count++
		}
	}
	return count
}

var errNoControlPlane = errors.New("cluster has no control-plane node")
