package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bosun-dev/bosun/internal/agent"
)

// addAgentFlags registers the flags `bosun agent` and `bosun server` (for its
// local agent) share.
func addAgentFlags(f *pflag.FlagSet, cfg *agent.Config) {
	f.StringVar(&cfg.NodeName, "node-name", "", "name of this node (default: the host name)")
	f.StringVar(&cfg.NodeIP, "node-ip", "", "IP the node reports and serves on (default: the host's first non-loopback IPv4)")
	f.StringVar(&cfg.RuntimeEndpoint, "container-runtime-endpoint", "", "use this CRI runtime instead of starting containerd (unix:///path/to.sock)")
	f.IntVar(&cfg.Port, "kubelet-port", 10250, "HTTPS port for logs, exec, attach and port-forward")
	f.StringVar(&cfg.PodManifestPath, "pod-manifest-path", "", "directory of static pod manifests (default: AGENT-DATA-DIR/manifests)")
	f.StringToStringVar(&cfg.Labels, "node-labels", nil, "extra labels for the Node, key=value,...")
	f.StringSliceVar(&cfg.ClusterDNS, "cluster-dns", nil, "DNS server IPs for pods with dnsPolicy ClusterFirst (default: the host's resolv.conf)")
	f.StringVar(&cfg.ClusterDomain, "cluster-domain", "cluster.local", "cluster DNS domain")
	f.StringVar(&cfg.CgroupRoot, "cgroup-root", "/kubepods", "cgroup all pods live under")
	f.StringVar(&cfg.BridgeName, "pod-bridge", "bosun0", "Linux bridge pods attach to")
	f.StringToStringVar(&cfg.RegistryMirrors, "registry-mirror", nil, "pull a registry's images from another endpoint, registry=URL,... (localhost:5000=http://10.0.0.1:5000)")
}

func newAgentCommand() *cobra.Command {
	var cfg agent.Config
	var kubeconfig, certFile, keyFile, caFile string
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a node agent: pods through containerd, logs, exec, port-forward",
		Long: `Run a node agent against the API server --kubeconfig names. It starts and
supervises its own containerd (state under --data-dir, sockets under
/run/bosun), registers the Node, and runs the pods bound to it. Stopping the
agent leaves pods running; the next start adopts them.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return fmt.Errorf("load kubeconfig: %w", err)
			}
			// client-go's default 5 QPS would queue a node's status writes
			// behind a burst of pod starts.
			rc.QPS, rc.Burst = 50, 100
			cfg.REST = rc
			for _, f := range []struct {
				path string
				into *[]byte
			}{{certFile, &cfg.ServingCertPEM}, {keyFile, &cfg.ServingKeyPEM}, {caFile, &cfg.ClientCAPEM}} {
				if *f.into, err = os.ReadFile(f.path); err != nil {
					return fmt.Errorf("agent certificates: %w", err)
				}
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return agent.Run(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig with this node's credentials")
	f.StringVar(&cfg.DataDir, "data-dir", "/var/lib/bosun/agent", "directory for containerd, pod volumes and logs")
	f.StringVar(&certFile, "tls-cert-file", "", "serving certificate for the agent's HTTPS endpoint")
	f.StringVar(&keyFile, "tls-private-key-file", "", "key of --tls-cert-file")
	f.StringVar(&caFile, "client-ca-file", "", "CA that signs the API server's client certificate")
	for _, name := range []string{"kubeconfig", "tls-cert-file", "tls-private-key-file", "client-ca-file"} {
		_ = cmd.MarkFlagRequired(name)
	}
	f.StringVar(&cfg.ClusterCIDR, "cluster-cidr", "10.244.0.0/16", "range every node's podCIDR comes from (the server's --cluster-cidr)")
	addAgentFlags(f, &cfg)
	cmd.AddCommand(newAgentCleanupCommand())
	return cmd
}

func newAgentCleanupCommand() *cobra.Command {
	var dataDir, cgroupRoot, bridge string
	var keepImages bool
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove the pods, containerd state, mounts, cgroups and bridge an agent left on this host",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return agent.Cleanup(cmd.Context(), dataDir, cgroupRoot, bridge, keepImages)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "/var/lib/bosun/agent", "the agent's data dir")
	cmd.Flags().StringVar(&cgroupRoot, "cgroup-root", "/kubepods", "cgroup the agent's pods live under")
	cmd.Flags().StringVar(&bridge, "pod-bridge", "bosun0", "Linux bridge the agent's pods attach to")
	cmd.Flags().BoolVar(&keepImages, "keep-images", false, "keep containerd's images (pulled and imported) for the agent's next start")
	return cmd
}
