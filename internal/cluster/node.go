package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/bosun-dev/bosun/internal/agent/cgroups"
)

// startNode starts a node's process and records its PID: the server on the
// control plane, an agent on a worker. A worker joins with join, else with
// what it joined with before, else with a new token; a worker that never
// finished joining gets a new token too, as its old one may have expired.
func (m *Manager) startNode(ctx context.Context, c *Cluster, n *Node, join *Join) error {
	if err := os.MkdirAll(n.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir of node %s: %w", n.Name, err)
	}
	args := serverArgs(c, n)
	if n.Role == RoleWorker {
		switch {
		case join != nil:
			n.Join = join
		case n.Join == nil || !joined(n):
			var err error
			if n.Join, err = m.newJoin(ctx, c); err != nil {
				return err
			}
		}
		args = agentArgs(c, n, *n.Join)
	}
	pid, err := startInNetns(n.Netns, n.LogFile(), m.Binary, args...)
	if err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	n.PID = pid
	return c.Save()
}

// stopNode stops a node like a powered-off machine: its process (if it is
// still the one recorded) and then its pods and containerd, through
// `bosun agent cleanup` inside the node's namespace. Images stay.
func (m *Manager) stopNode(ctx context.Context, c *Cluster, n *Node) error {
	if ownsProcess(n.PID, n.processDataDir()) {
		if err := stopProcess(ctx, n.PID, m.StopGrace); err != nil {
			return fmt.Errorf("stop node %s: %w", n.Name, err)
		}
	}
	n.PID = 0
	if err := c.Save(); err != nil {
		return err
	}
	return m.cleanupNode(ctx, n)
}

// cleanupNode removes a stopped node's pods and containerd.
func (m *Manager) cleanupNode(ctx context.Context, n *Node) error {
	if _, err := os.Stat(n.AgentDataDir()); err != nil {
		return nil // never started: nothing to clean up
	}
	// Cleanup removes the pod bridge and masquerade of whatever namespace it
	// runs in, so it must never run in the host's: a namespace lost in a
	// half-finished delete is made again, empty, to run it in.
	if !netnsExists(n.Netns) {
		if err := run(ctx, "ip", "netns", "add", n.Netns); err != nil {
			return fmt.Errorf("clean up node %s: %w", n.Name, err)
		}
	}
	if err := runInNetns(ctx, n.Netns, n.LogFile(), m.Binary, cleanupArgs(n)...); err != nil {
		return fmt.Errorf("clean up node %s: %w", n.Name, err)
	}
	return nil
}

// removeNodeHost removes what a stopped node has on the host: its
// namespace and veth, and its cgroup root should cleanup have left it.
func removeNodeHost(ctx context.Context, n *Node) error {
	errs := []error{tearDownNodeNet(ctx, n)}
	if cg, err := cgroups.New(n.CgroupRoot, nil); err != nil {
		errs = append(errs, err)
	} else if err := cg.Purge(); err != nil {
		errs = append(errs, fmt.Errorf("remove cgroups of node %s: %w", n.Name, err))
	}
	return errors.Join(errs...)
}
