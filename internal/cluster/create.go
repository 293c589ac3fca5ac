package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"
)

// agentLeaseRenewal is how often an agent renews its node Lease (as
// kubelet, fixed); a node silent for less is healthy.
const agentLeaseRenewal = 10 * time.Second

// CreateOptions shape a new cluster. Zero values take the defaults.
type CreateOptions struct {
	// Nodes counts all nodes, the control plane's included: at least 1.
	Nodes int
	// Subnet is the nodes' network (default: the first free 172.30.N.0/24).
	Subnet string
	// Bridge is the host bridge's name (default DefaultBridge(name)).
	Bridge string
	// ClusterCIDR is the pods' range (default 10.244.0.0/16; namespaces keep
	// clusters' pods apart, so they may share it).
	ClusterCIDR string
	// NodeMonitorGracePeriod is the server's (0: the server's 40s).
	NodeMonitorGracePeriod time.Duration
	// RegistryMirrors are --registry-mirror values for every node
	// (nil: localhost:5000 pulls go to port 5000 on the host's bridge address).
	RegistryMirrors []string
	// ServerArgs and AgentArgs are appended to the control plane's and the
	// workers' command lines.
	ServerArgs, AgentArgs []string
}

// Create makes a cluster and waits until all its nodes are Ready. A failure
// in any phase removes everything made so far and names the phase.
func (m *Manager) Create(ctx context.Context, name string, o CreateOptions) (*Cluster, error) {
	start := time.Now()
	if err := m.setDefaults(); err != nil {
		return nil, err
	}
	unlockHost, err := lockFile(hostLock)
	if err != nil {
		return nil, err
	}
	c, err := m.plan(ctx, name, o)
	if err != nil {
		unlockHost()
		return nil, fmt.Errorf("create cluster %s: %w", name, err)
	}
	unlock, err := m.claim(c)
	if err != nil {
		unlockHost()
		return nil, fmt.Errorf("create cluster %s: %w", name, err)
	}
	defer unlock()
	err = m.buildNetwork(ctx, c)
	unlockHost()
	if err == nil {
		err = m.buildNodes(ctx, c)
	}
	if err != nil {
		m.printf("Removing what was made for cluster %s\n", name)
		// The context may be what failed; removal must still run.
		if derr := m.destroy(context.WithoutCancel(ctx), c); derr != nil {
			err = errors.Join(err, fmt.Errorf("remove the half-made cluster (run `bosun cluster delete %s` again): %w", name, derr))
		}
		return nil, fmt.Errorf("create cluster %s: %w", name, err)
	}
	m.printf("Cluster %s ready in %s\nexport KUBECONFIG=%s\n", name, time.Since(start).Round(100*time.Millisecond), c.Kubeconfig())
	return c, nil
}

// plan validates the request against the host and the other clusters and
// returns the cluster to build; it changes nothing.
func (m *Manager) plan(ctx context.Context, name string, o CreateOptions) (*Cluster, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if o.Nodes < 1 {
		return nil, fmt.Errorf("--nodes must be at least 1, not %d", o.Nodes)
	}
	if g := o.NodeMonitorGracePeriod; g != 0 && g <= agentLeaseRenewal {
		return nil, fmt.Errorf("--node-monitor-grace-period %s must exceed the %s in which agents renew their node Lease, or healthy nodes flap NotReady", g, agentLeaseRenewal)
	}
	dir := filepath.Join(m.StateDir, name)
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("cluster %s already exists in %s", name, m.StateDir)
	}
	others, err := List(m.StateDir)
	if err != nil {
		return nil, err
	}
	used, err := hostPrefixes(ctx)
	if err != nil {
		return nil, err
	}
	for _, oc := range others {
		if p, err := oc.SubnetPrefix(); err == nil {
			used = append(used, p)
		}
	}
	var subnet netip.Prefix
	if o.Subnet == "" {
		if subnet, err = PickSubnet(used); err != nil {
			return nil, err
		}
	} else {
		if subnet, err = ParseSubnet(o.Subnet, o.Nodes); err != nil {
			return nil, err
		}
		if u, clash := Overlap(subnet, used); clash {
			return nil, fmt.Errorf("subnet %s overlaps %s, already used by a host address, route or cluster", subnet, u)
		}
	}
	bridge := o.Bridge
	if bridge == "" {
		bridge = DefaultBridge(name)
	}
	if err := ValidateBridgeName(bridge); err != nil {
		return nil, err
	}
	if linkExists(bridge) {
		return nil, fmt.Errorf("bridge %s already exists on this host (choose another with --bridge)", bridge)
	}
	// The server's default Service range; pods and nodes must route apart from it.
	const serviceCIDR = "10.0.0.0/24"
	cidr := o.ClusterCIDR
	if cidr == "" {
		cidr = "10.244.0.0/16"
	}
	pods, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("invalid cluster CIDR %q: %w", cidr, err)
	}
	for _, p := range []struct{ what, cidr string }{{"the node subnet", subnet.String()}, {"the Service range", serviceCIDR}} {
		if q := netip.MustParsePrefix(p.cidr); pods.Overlaps(q) {
			return nil, fmt.Errorf("cluster CIDR %s overlaps %s %s", pods, p.what, q)
		}
	}
	bridgeIP, _ := HostAddr(subnet, 1)
	c := &Cluster{
		Name: name, Subnet: subnet.String(), Bridge: bridge, BridgeIP: bridgeIP.String(),
		ClusterCIDR: cidr, NFTable: NFTable(name), Created: time.Now().UTC(),
		NodeMonitorGracePeriod: o.NodeMonitorGracePeriod,
		RegistryMirrors:        o.RegistryMirrors,
		ServerArgs:             o.ServerArgs, AgentArgs: o.AgentArgs,
		dir: dir,
	}
	if c.RegistryMirrors == nil {
		c.RegistryMirrors = []string{defaultMirror(c.BridgeIP)}
	}
	for i := range o.Nodes {
		role, node := RoleControlPlane, ControlPlaneName(name)
		if i > 0 {
			role, node = RoleWorker, WorkerName(name, i)
		}
		ip, ok := HostAddr(subnet, i+2)
		if !ok {
			return nil, fmt.Errorf("subnet %s has no room for %d nodes", subnet, o.Nodes)
		}
		n := newNode(c, node, role, ip.String())
		if netnsExists(n.Netns) {
			return nil, fmt.Errorf("network namespace %s already exists (left by another cluster %s? delete it first)", n.Netns, name)
		}
		c.Nodes = append(c.Nodes, n)
	}
	return c, nil
}

func newNode(c *Cluster, name, role, ip string) Node {
	return Node{
		Name: name, Role: role, IP: ip,
		Netns:      Netns(c.Name, name),
		HostVeth:   HostVeth(c.Name, name),
		DataDir:    filepath.Join(c.dir, name),
		CgroupRoot: CgroupRoot(c.Name, name),
	}
}

// claim makes the cluster's state directory, locked, with its planned
// cluster.json: from here on destroy can undo whatever follows.
func (m *Manager) claim(c *Cluster) (unlock func(), err error) {
	if err := os.MkdirAll(m.StateDir, 0o755); err != nil {
		return nil, err
	}
	// Mkdir, not MkdirAll: of two creates of one name, one fails here.
	if err := os.Mkdir(c.dir, 0o755); err != nil {
		return nil, err
	}
	if unlock, err = lock(c.dir); err != nil {
		return nil, err
	}
	if err := c.Save(); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// buildNetwork makes the host bridge and table and every node's namespace.
func (m *Manager) buildNetwork(ctx context.Context, c *Cluster) error {
	return m.phase(fmt.Sprintf("Creating network %s on bridge %s", c.Subnet, c.Bridge), func() error {
		if err := setUpHost(ctx, c); err != nil {
			return err
		}
		for i := range c.Nodes {
			if err := setUpNodeNet(ctx, c, &c.Nodes[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// buildNodes starts the control plane, then the workers, and waits until
// every node is Ready; each start records its PID before the next step.
func (m *Manager) buildNodes(ctx context.Context, c *Cluster) error {
	cp := c.ControlPlane()
	err := m.phase(fmt.Sprintf("Starting control plane %s (%s)", cp.Name, cp.IP), func() error {
		if err := m.startNode(ctx, c, cp, nil); err != nil {
			return err
		}
		return waitAPI(ctx, c, m.ReadyTimeout)
	})
	if err != nil {
		return err
	}
	var workers []*Node
	var names []string
	for i := range c.Nodes {
		if c.Nodes[i].Role == RoleWorker {
			workers = append(workers, &c.Nodes[i])
		}
		names = append(names, c.Nodes[i].Name)
	}
	if len(workers) > 0 {
		var join *Join
		err := m.phase("Creating a bootstrap token", func() (err error) {
			join, err = m.newJoin(ctx, c)
			return err
		})
		if err != nil {
			return err
		}
		// Workers start together and join while the waiting below runs.
		for _, w := range workers {
			err := m.phase(fmt.Sprintf("Joining %s (%s)", w.Name, w.IP), func() error { return m.startNode(ctx, c, w, join) })
			if err != nil {
				return err
			}
		}
	}
	return m.phase(fmt.Sprintf("Waiting for %d nodes to be Ready", len(names)), func() error {
		return waitNodesReady(ctx, c, names, time.Time{}, m.ReadyTimeout)
	})
}
