package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bosun-dev/bosun/internal/cluster"
)

func newClusterCommand() *cobra.Command {
	m := &cluster.Manager{Out: os.Stdout}
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Run local multi-node clusters, each node its own network namespace",
		Long: `Run local multi-node clusters on this machine. Every node is a network
namespace with its own address on a bridge the cluster owns, running its own
bosun agent and containerd; the control-plane node runs bosun server. State
and node logs live under --state-dir/NAME.`,
	}
	cmd.PersistentFlags().StringVar(&m.StateDir, "state-dir", cluster.DefaultStateDir, "directory holding every cluster's state and node logs")
	cmd.PersistentFlags().DurationVar(&m.ReadyTimeout, "timeout", 2*time.Minute, "how long to wait for the API server and for nodes to be Ready")
	cmd.AddCommand(newClusterCreateCommand(m), newClusterDeleteCommand(m), newClusterListCommand(m),
		newClusterKubeconfigCommand(m), newClusterNodeCommand(m),
		newClusterNodeOpCommand(m, "partition", "Cut a node off the network (its processes keep running)", m.Partition),
		newClusterNodeOpCommand(m, "heal", "Reconnect a partitioned node", m.Heal))
	return cmd
}

// signalContext ends on SIGINT or SIGTERM, so an interrupted create still
// removes what it made.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
}

func newClusterCreateCommand(m *cluster.Manager) *cobra.Command {
	var o cluster.CreateOptions
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a cluster: a control-plane node and --nodes minus one workers",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("registry-mirror") {
				o.RegistryMirrors = nil
			}
			ctx, stop := signalContext()
			defer stop()
			_, err := m.Create(ctx, args[0], o)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Nodes, "nodes", 1, "number of nodes, the control plane included")
	f.StringVar(&o.Subnet, "subnet", "", "the nodes' IPv4 network (default: the first free 172.30.N.0/24)")
	f.StringVar(&o.Bridge, "bridge", "", "host bridge name (default: bosun-NAME, shortened to 15 characters)")
	f.StringVar(&o.ClusterCIDR, "cluster-cidr", "10.244.0.0/16", "range nodes' pod CIDRs come from")
	f.DurationVar(&o.NodeMonitorGracePeriod, "node-monitor-grace-period", 0, "how long a silent node stays Ready (default: the server's 40s)")
	f.StringSliceVar(&o.RegistryMirrors, "registry-mirror", nil, "nodes' --registry-mirror values, registry=URL (default: localhost:5000=http://BRIDGE-IP:5000)")
	f.StringArrayVar(&o.ServerArgs, "server-arg", nil, "extra argument for the control plane's bosun server, repeatable (--server-arg=--dns-upstreams=10.1.2.3:53)")
	f.StringArrayVar(&o.AgentArgs, "agent-arg", nil, "extra argument for every worker's bosun agent, repeatable")
	return cmd
}

func newClusterDeleteCommand(m *cluster.Manager) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME...",
		Short: "Delete clusters and everything they made on this host",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signalContext()
			defer stop()
			for _, name := range args {
				if err := m.Delete(ctx, name); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func newClusterListCommand(m *cluster.Manager) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List clusters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			clusters, err := m.List()
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
			fmt.Fprintln(w, "NAME\tSUBNET\tBRIDGE\tNODES\tRUNNING\tAPI SERVER")
			for _, c := range clusters {
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%s\n", c.Name, c.Subnet, c.Bridge, len(c.Nodes), cluster.Running(c), c.APIServerURL())
			}
			return w.Flush()
		},
	}
}

func newClusterKubeconfigCommand(m *cluster.Manager) *cobra.Command {
	return &cobra.Command{
		Use:   "kubeconfig NAME",
		Short: "Print the path of a cluster's admin kubeconfig",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := m.Get(args[0])
			if err != nil {
				return err
			}
			fmt.Println(c.Kubeconfig())
			return nil
		},
	}
}

func newClusterNodeCommand(m *cluster.Manager) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Stop, start, add, remove and list a cluster's nodes",
	}
	cmd.AddCommand(
		newClusterNodeOpCommand(m, "stop", "Stop a node like a powered-off machine (pods and containerd go, images stay)", m.StopNode),
		newClusterNodeOpCommand(m, "start", "Start a stopped node and wait until it is Ready", m.StartNode),
		newClusterNodeOpCommand(m, "remove", "Remove a worker: stop it, delete its Node and everything it has on the host", m.RemoveNode),
		newClusterNodeAddCommand(m), newClusterNodeListCommand(m))
	return cmd
}

func newClusterNodeOpCommand(m *cluster.Manager, use, short string, op func(context.Context, string, string) error) *cobra.Command {
	var clusterName string
	cmd := &cobra.Command{
		Use:   use + " NODE",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signalContext()
			defer stop()
			return op(ctx, clusterName, args[0])
		},
	}
	cmd.Flags().StringVar(&clusterName, "cluster", "", "the node's cluster (needed only when several have a node of that name)")
	return cmd
}

func newClusterNodeAddCommand(m *cluster.Manager) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "add CLUSTER",
		Short: "Add a worker node and wait until it is Ready",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signalContext()
			defer stop()
			added, err := m.AddNode(ctx, args[0], name)
			if err != nil {
				return err
			}
			fmt.Printf("Node %s added\n", added)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "node name (default: CLUSTER-worker-N, the first free N)")
	return cmd
}

func newClusterNodeListCommand(m *cluster.Manager) *cobra.Command {
	return &cobra.Command{
		Use:   "list CLUSTER",
		Short: "List a cluster's nodes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := m.Get(args[0])
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
			fmt.Fprintln(w, "NAME\tROLE\tIP\tSTATUS\tPID\tLOG")
			for i := range c.Nodes {
				n := &c.Nodes[i]
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", n.Name, n.Role, n.IP, cluster.NodeStatus(n), n.PID, n.LogFile())
			}
			return w.Flush()
		},
	}
}
