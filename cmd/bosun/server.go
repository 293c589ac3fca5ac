package main

import (
	"context"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/bosun-dev/bosun/internal/agent"
	"github.com/bosun-dev/bosun/internal/server"
)

func newServerCommand() *cobra.Command {
	cfg := server.Config{}
	var disableAgent bool
	var agentCfg agent.Config
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the control plane: API server on etcd and its controllers",
		Long: `Run the control plane: the Kubernetes API over HTTPS, backed by an embedded etcd
in --data-dir (or an external etcd cluster with --etcd-endpoints), with the
scheduler and controllers (--components runs a subset, e.g. a second scheduler
and controllers against another server's --kubeconfig; leader election keeps
one of each active). Certificates and DATA-DIR/admin.kubeconfig are made at
first start and reused. SIGTERM or SIGINT stops it cleanly.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			abs, err := filepath.Abs(cfg.DataDir)
			if err != nil {
				return err
			}
			cfg.DataDir = abs
			if !disableAgent && slices.Contains(cfg.Components, server.ComponentAPIServer) {
				agentCfg.DataDir = filepath.Join(abs, "agent")
				cfg.Agent = &agentCfg
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return server.Run(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", "/var/lib/bosun", "directory for etcd data, certificates and admin.kubeconfig")
	f.StringVar(&cfg.BindAddress, "bind-address", "0.0.0.0", "address to serve HTTPS on")
	f.IntVar(&cfg.SecurePort, "secure-port", 6443, "HTTPS port")
	f.StringVar(&cfg.AdvertiseAddress, "advertise-address", "", "IP the kubernetes Service points at (default: the host's first non-loopback IPv4)")
	f.StringSliceVar(&cfg.EtcdEndpoints, "etcd-endpoints", nil, "external etcd endpoints (default: embedded etcd in --data-dir)")
	f.StringVar(&cfg.EtcdCAFile, "etcd-cafile", "", "CA bundle to verify external etcd")
	f.StringVar(&cfg.EtcdCertFile, "etcd-certfile", "", "client certificate for external etcd")
	f.StringVar(&cfg.EtcdKeyFile, "etcd-keyfile", "", "client key for external etcd")
	f.StringVar(&cfg.ServiceClusterIPRange, "service-cluster-ip-range", "10.0.0.0/24", "CIDR Service cluster IPs come from")
	f.StringVar(&cfg.ServiceNodePortRange, "service-node-port-range", "30000-32767", "range of Service node ports")
	f.StringSliceVar(&cfg.Components, "components", server.AllComponents, "parts of the control plane to run: apiserver, scheduler, controllers")
	f.StringVar(&cfg.Kubeconfig, "kubeconfig", "", "API server to run the scheduler and controllers against, when --components has no apiserver")
	f.DurationVar(&cfg.NodeMonitorGracePeriod, "node-monitor-grace-period", 40*time.Second, "how long a node may go without renewing its Lease before it is marked Unknown and tainted unreachable")
	f.StringVar(&cfg.ClusterCIDR, "cluster-cidr", "10.244.0.0/16", "range each node's podCIDR is cut from")
	f.IntVar(&cfg.DNSPort, "dns-port", 53, "port cluster DNS serves on at the advertise address, behind the kube-dns Service (0: no cluster DNS)")
	f.StringSliceVar(&cfg.DNSUpstreams, "dns-upstreams", nil, "resolvers (ip:port) for names outside the cluster domain (default: the host's resolv.conf)")
	f.BoolVar(&disableAgent, "disable-agent", false, "do not run a node agent in this process")
	addAgentFlags(f, &agentCfg)
	return cmd
}
