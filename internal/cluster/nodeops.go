package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"
)

// StopNode stops a node like a powered-off machine: process, pods and
// containerd go; its state and images stay for StartNode.
func (m *Manager) StopNode(ctx context.Context, cluster, node string) error {
	return m.nodeOp(cluster, node, func(c *Cluster, n *Node) error {
		return m.phase(fmt.Sprintf("Stopping %s", n.Name), func() error { return m.stopNode(ctx, c, n) })
	})
}

// StopProcess stops only a node's bosun process, as a crashed or upgraded
// agent would be: its pods keep running, on the network their agent
// programmed, for StartNode's agent to adopt. On the control plane the
// API server and controllers stop with it.
func (m *Manager) StopProcess(ctx context.Context, cluster, node string) error {
	return m.nodeOp(cluster, node, func(c *Cluster, n *Node) error {
		if !ownsProcess(n.PID, n.processDataDir()) {
			return fmt.Errorf("node %s is not running", n.Name)
		}
		err := m.phase(fmt.Sprintf("Stopping the process of %s (pid %d)", n.Name, n.PID), func() error {
			return stopProcess(ctx, n.PID, m.StopGrace)
		})
		if err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		n.PID = 0
		return c.Save()
	})
}

// StartNode starts a stopped node again and waits until it is Ready; a
// worker rejoins with the kubeconfig it saved when it first joined.
func (m *Manager) StartNode(ctx context.Context, cluster, node string) error {
	return m.nodeOp(cluster, node, func(c *Cluster, n *Node) error {
		if ownsProcess(n.PID, n.processDataDir()) {
			return fmt.Errorf("node %s is already running (pid %d)", n.Name, n.PID)
		}
		since := time.Now()
		err := m.phase(fmt.Sprintf("Starting %s (%s)", n.Name, n.IP), func() error {
			if err := m.startNode(ctx, c, n, nil); err != nil {
				return err
			}
			if n.Role == RoleControlPlane {
				return waitAPI(ctx, c, m.ReadyTimeout)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return m.waitReady(ctx, c, n, since)
	})
}

// waitReady waits for one node to turn Ready, when the control plane runs
// to report it; a partitioned node cannot, and is not waited for.
func (m *Manager) waitReady(ctx context.Context, c *Cluster, n *Node, since time.Time) error {
	cp := c.ControlPlane()
	if n.Partitioned || cp == nil || !ownsProcess(cp.PID, cp.processDataDir()) {
		m.printf("Not waiting for %s to be Ready: it is partitioned or the control plane is stopped\n", n.Name)
		return nil
	}
	return m.phase(fmt.Sprintf("Waiting for %s to be Ready", n.Name), func() error {
		return waitNodesReady(ctx, c, []string{n.Name}, since, m.ReadyTimeout)
	})
}

// AddNode adds a worker (name "" picks the next <cluster>-worker-<i>) and
// waits until it is Ready. A failed add removes the node again.
func (m *Manager) AddNode(ctx context.Context, cluster, name string) (string, error) {
	err := m.update(cluster, func(c *Cluster) error {
		if name == "" {
			for i := 1; name == "" || c.Node(name) != nil; i++ {
				name = WorkerName(cluster, i)
			}
		}
		if err := ValidateNodeName(name); err != nil {
			return err
		}
		if c.Node(name) != nil {
			return fmt.Errorf("cluster %s already has a node %s", cluster, name)
		}
		subnet, err := c.SubnetPrefix()
		if err != nil {
			return err
		}
		var taken []string
		for _, n := range c.Nodes {
			taken = append(taken, n.IP)
		}
		ip, err := FreeNodeAddr(subnet, taken)
		if err != nil {
			return err
		}
		n := newNode(c, name, RoleWorker, ip.String())
		if netnsExists(n.Netns) || linkExists(n.HostVeth) {
			return fmt.Errorf("network namespace %s or link %s already exists", n.Netns, n.HostVeth)
		}
		c.Nodes = append(c.Nodes, n)
		if err := c.Save(); err != nil {
			return err
		}
		err = m.phase(fmt.Sprintf("Joining %s (%s)", name, ip), func() error {
			node := c.Node(name)
			if err := setUpNodeNet(ctx, c, node); err != nil {
				return err
			}
			return m.startNode(ctx, c, node, nil)
		})
		if err == nil {
			err = m.waitReady(ctx, c, c.Node(name), time.Time{})
		}
		if err != nil {
			m.printf("Removing %s\n", name)
			return errors.Join(err, m.removeNode(context.WithoutCancel(ctx), c, c.Node(name)))
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("add node to cluster %s: %w", cluster, err)
	}
	return name, nil
}

// RemoveNode removes a worker for good: stopped, cleaned up, its Node
// deleted from the API, its namespace and state gone.
func (m *Manager) RemoveNode(ctx context.Context, cluster, node string) error {
	return m.nodeOp(cluster, node, func(c *Cluster, n *Node) error {
		if n.Role == RoleControlPlane {
			return fmt.Errorf("node %s is the control plane: delete the cluster instead", n.Name)
		}
		return m.phase(fmt.Sprintf("Removing %s", n.Name), func() error { return m.removeNode(ctx, c, n) })
	})
}

func (m *Manager) removeNode(ctx context.Context, c *Cluster, n *Node) error {
	if err := m.stopNode(ctx, c, n); err != nil {
		return err
	}
	if cp := c.ControlPlane(); cp != nil && ownsProcess(cp.PID, cp.processDataDir()) {
		dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := deleteNodeObject(dctx, c, n.Name)
		cancel()
		if err != nil {
			return err
		}
	}
	if err := removeNodeHost(ctx, n); err != nil {
		return err
	}
	if err := os.RemoveAll(n.DataDir); err != nil {
		return fmt.Errorf("remove state of node %s: %w", n.Name, err)
	}
	name := n.Name
	c.Nodes = slices.DeleteFunc(c.Nodes, func(x Node) bool { return x.Name == name })
	return c.Save()
}

// Partition cuts a node off the network by taking its host-side link
// down; its processes keep running, as on a machine behind a failed switch.
func (m *Manager) Partition(ctx context.Context, cluster, node string) error {
	return m.setPartitioned(ctx, cluster, node, true)
}

// Heal brings a partitioned node's link back up.
func (m *Manager) Heal(ctx context.Context, cluster, node string) error {
	return m.setPartitioned(ctx, cluster, node, false)
}

func (m *Manager) setPartitioned(ctx context.Context, cluster, node string, cut bool) error {
	return m.nodeOp(cluster, node, func(c *Cluster, n *Node) error {
		if err := setLink(ctx, n, !cut); err != nil {
			return err
		}
		n.Partitioned = cut
		return c.Save()
	})
}

// nodeOp finds a node (in cluster, or in whichever cluster has it when
// cluster is "") and runs f on it with the cluster locked.
func (m *Manager) nodeOp(cluster, node string, f func(c *Cluster, n *Node) error) error {
	if err := m.setDefaults(); err != nil {
		return err
	}
	name, err := m.FindNode(node, cluster)
	if err != nil {
		return err
	}
	return m.update(name, func(c *Cluster) error {
		n := c.Node(node)
		if n == nil {
			return fmt.Errorf("cluster %s has no node %s", name, node)
		}
		return f(c, n)
	})
}
