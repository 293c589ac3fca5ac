package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bosun-dev/bosun/internal/sim"
)

func newSimCommand() *cobra.Command {
	var kubeconfig string
	o := sim.Options{Out: os.Stdout}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run simulated nodes against a cluster, for scale tests",
		Long: `Register simulated nodes (kubelets without containers) and keep them alive:
a Lease per node in kube-node-lease renewed every 10s, node status posted every
5m or when it changes. Pods bound to them go Pending → Running and Ready after
--startup-delay; a deleted pod is removed after min(its grace period, --stop-delay).

Pods that exit (restartPolicy Never or OnFailure only):
  sim.bosun.dev/exit-after: "2s"   containers exit this long after starting
  sim.bosun.dev/exit-code: "1"     with this code (default 0: Succeeded, else Failed)
  Pods owned by a Job without the annotation exit 0 after 1s.

Node failure: a node annotated sim.bosun.dev/fail: "true", or named by --fail
(until annotated "false"), acts as a dead kubelet: no Lease renewals, no status,
no pod progress. Remove the annotation to heal it.

SIGINT or SIGTERM stops it; --cleanup then deletes its nodes.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return fmt.Errorf("load kubeconfig: %w", err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return sim.Run(ctx, cfg, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster to join")
	f.IntVar(&o.Nodes, "nodes", 1, "number of nodes")
	f.StringVar(&o.NamePrefix, "name-prefix", "sim-", "node name prefix; nodes are PREFIX0, PREFIX1, …")
	f.StringVar(&o.CPU, "cpu", "32", "cpu capacity of each node")
	f.StringVar(&o.Memory, "memory", "256Gi", "memory capacity of each node")
	f.IntVar(&o.Pods, "pods", 110, "pod capacity of each node")
	f.DurationVar(&o.StartupDelay, "startup-delay", 0, "how long a bound pod stays Pending before it runs")
	f.DurationVar(&o.StopDelay, "stop-delay", sim.DefaultStopDelay, "longest simulated container stop on deletion")
	f.DurationVar(&o.LeaseInterval, "lease-interval", sim.DefaultLeaseInterval, "how often node Leases are renewed")
	f.DurationVar(&o.StatusInterval, "status-interval", sim.DefaultStatusInterval, "how often unchanged node status is posted")
	f.IntVar(&o.Workers, "workers", 32, "concurrent pod status writers")
	f.StringSliceVar(&o.Fail, "fail", nil, "nodes that start failed (comma-separated names)")
	f.BoolVar(&o.Cleanup, "cleanup", false, "delete the nodes on exit")
	return cmd
}
