package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
)

// Delete removes a cluster and everything it made on the host. It finishes
// what an earlier, interrupted delete or create left.
func (m *Manager) Delete(ctx context.Context, name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	err := m.update(name, func(c *Cluster) error {
		m.printf("Deleting cluster %s\n", name)
		return m.destroy(ctx, c)
	})
	if err != nil {
		return fmt.Errorf("delete cluster %s: %w", name, err)
	}
	return nil
}

// destroy stops every node (together: each stop waits on its own
// process), removes their namespaces, then the host's bridge and table,
// and last the state, which stays while anything else could not go so a
// second delete can finish.
func (m *Manager) destroy(ctx context.Context, c *Cluster) error {
	errs := make([]error, len(c.Nodes))
	var wg sync.WaitGroup
	for i := range c.Nodes {
		wg.Go(func() {
			if n := &c.Nodes[i]; ownsProcess(n.PID, n.processDataDir()) {
				errs[i] = stopProcess(ctx, n.PID, m.StopGrace)
			}
		})
	}
	wg.Wait()
	for i := range c.Nodes {
		if errs[i] != nil {
			continue
		}
		wg.Go(func() { errs[i] = m.cleanupNode(ctx, &c.Nodes[i]) })
	}
	wg.Wait()
	for i := range c.Nodes {
		if errs[i] == nil {
			errs[i] = removeNodeHost(ctx, &c.Nodes[i])
		}
	}
	errs = append(errs, tearDownHost(ctx, c))
	if err := errors.Join(errs...); err != nil {
		for i := range c.Nodes {
			c.Nodes[i].PID = 0
		}
		return errors.Join(err, c.Save())
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("remove state %s: %w", c.dir, err)
	}
	return nil
}
