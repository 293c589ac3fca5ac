package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bosun-dev/bosun/internal/agent"
	"github.com/bosun-dev/bosun/internal/agent/join"
	"github.com/bosun-dev/bosun/internal/hostaddr"
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
	var jc join.Config
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a node agent: pods through containerd, logs, exec, port-forward",
		Long: `Run a node agent. It starts and supervises its own containerd (state under
--data-dir, sockets under /run/bosun), registers the Node, and runs the pods
bound to it. Stopping the agent leaves pods running; the next start adopts them.

Join a cluster with a bootstrap token (from bosun token create
--print-join-command):
  bosun agent --server https://IP:6443 --token T --ca-cert-hash sha256:H
The node checks the cluster CA against the hash, gets its client and serving
certificates signed, and keeps them in --data-dir: later starts need no token.

Or run with credentials made elsewhere:
  bosun agent --kubeconfig K --tls-cert-file C --tls-private-key-file K --client-ca-file CA`,
		RunE: func(cmd *cobra.Command, args []string) error {
			joining, err := agentMode(kubeconfig, certFile, keyFile, caFile, jc)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if joining {
				err = joinCredentials(ctx, &cfg, jc, cmd.ErrOrStderr())
			} else {
				err = fileCredentials(&cfg, kubeconfig, certFile, keyFile, caFile)
			}
			if err != nil {
				return err
			}
			return agent.Run(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig with this node's credentials (instead of joining with --token)")
	f.StringVar(&cfg.DataDir, "data-dir", "/var/lib/bosun/agent", "directory for containerd, pod volumes, logs and the node's credentials")
	f.StringVar(&certFile, "tls-cert-file", "", "serving certificate for the agent's HTTPS endpoint (with --kubeconfig)")
	f.StringVar(&keyFile, "tls-private-key-file", "", "key of --tls-cert-file")
	f.StringVar(&caFile, "client-ca-file", "", "CA that signs the API server's client certificate (with --kubeconfig)")
	f.StringVar(&jc.Server, "server", "", "API server to join, https://IP:6443")
	f.StringVar(&jc.Token, "token", "", "bootstrap token to join with (bosun token create)")
	f.StringVar(&jc.CACertHash, "ca-cert-hash", "", "pin of the cluster CA's public key, sha256:<hex>")
	f.StringVar(&cfg.ClusterCIDR, "cluster-cidr", "10.244.0.0/16", "range every node's podCIDR comes from (the server's --cluster-cidr)")
	addAgentFlags(f, &cfg)
	cmd.AddCommand(newAgentCleanupCommand())
	return cmd
}

// agentMode decides between the join form and the kubeconfig form of
// `bosun agent`; mixing them, or half of either, is an error naming what
// is missing.
func agentMode(kubeconfig, certFile, keyFile, caFile string, jc join.Config) (joining bool, err error) {
	joinFlags := map[string]string{"--server": jc.Server, "--token": jc.Token, "--ca-cert-hash": jc.CACertHash}
	fileFlags := map[string]string{"--kubeconfig": kubeconfig, "--tls-cert-file": certFile, "--tls-private-key-file": keyFile, "--client-ca-file": caFile}
	given := func(flags map[string]string) (set, unset []string) {
		for name, v := range flags {
			if v != "" {
				set = append(set, name)
			} else {
				unset = append(unset, name)
			}
		}
		slices.Sort(set)
		slices.Sort(unset)
		return set, unset
	}
	joinSet, joinUnset := given(joinFlags)
	fileSet, fileUnset := given(fileFlags)
	switch {
	case len(joinSet) > 0 && len(fileSet) > 0:
		return false, fmt.Errorf("%s (joining) and %s (existing credentials) exclude each other", strings.Join(joinSet, ", "), strings.Join(fileSet, ", "))
	case len(joinSet) > 0 && len(joinUnset) > 0:
		return false, fmt.Errorf("joining needs %s too", strings.Join(joinUnset, ", "))
	case len(joinSet) > 0:
		return true, nil
	case len(fileSet) > 0 && len(fileUnset) > 0:
		return false, fmt.Errorf("--kubeconfig needs %s too", strings.Join(fileUnset, ", "))
	case len(fileSet) > 0:
		return false, nil
	}
	return false, errors.New("say which cluster to serve: --server URL --token T --ca-cert-hash sha256:H to join " +
		"(bosun token create --print-join-command prints the line), or --kubeconfig with --tls-cert-file, --tls-private-key-file and --client-ca-file")
}

// joinCredentials joins (or, after an earlier join, reloads the node's
// credentials from the data dir) and puts them into cfg. The node name and
// IP default as the agent defaults them, since they go on the certificates.
func joinCredentials(ctx context.Context, cfg *agent.Config, jc join.Config, progress io.Writer) error {
	if cfg.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("node name: %w", err)
		}
		cfg.NodeName = strings.ToLower(h)
	}
	if cfg.NodeIP == "" {
		cfg.NodeIP = hostaddr.IPv4()
	}
	jc.DataDir, jc.NodeName, jc.NodeIP, jc.Progress = cfg.DataDir, cfg.NodeName, cfg.NodeIP, progress
	creds, err := join.Join(ctx, jc)
	if err != nil {
		return err
	}
	cfg.REST, cfg.ServingCertPEM, cfg.ServingKeyPEM, cfg.ClientCAPEM = creds.REST, creds.ServingCertPEM, creds.ServingKeyPEM, creds.ClientCAPEM
	return nil
}

// fileCredentials loads credentials made elsewhere.
func fileCredentials(cfg *agent.Config, kubeconfig, certFile, keyFile, caFile string) error {
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
	return nil
}

func newAgentCleanupCommand() *cobra.Command {
	var dataDir, cgroupRoot, bridge string
	var opts agent.CleanupOptions
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove the pods, containerd state, mounts, cgroups, bridge, Service rules and routes an agent left on this host",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return agent.Cleanup(cmd.Context(), dataDir, cgroupRoot, bridge, opts)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "/var/lib/bosun/agent", "the agent's data dir")
	cmd.Flags().StringVar(&cgroupRoot, "cgroup-root", "/kubepods", "cgroup the agent's pods live under")
	cmd.Flags().StringVar(&bridge, "pod-bridge", "bosun0", "Linux bridge the agent's pods attach to")
	cmd.Flags().BoolVar(&opts.SharedNetwork, "shared-network", false, "leave the network namespace's Service rules and routes to other nodes (another cluster's node owns them)")
	cmd.Flags().BoolVar(&opts.KeepImages, "keep-images", false, "keep containerd's images (pulled and imported) for the agent's next start")
	return cmd
}
