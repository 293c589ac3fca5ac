package server

import (
	"context"
	"log/slog"
	"net"
	"strconv"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/bosun-dev/bosun/internal/network/dns"
)

// startClusterDNS publishes the server as kube-system/kube-dns on the
// Service range's tenth address and serves cluster DNS on the advertise
// address, where every node's service proxy sends that address's traffic.
// DNS failing to bind is logged, not fatal: the API is still useful.
func startClusterDNS(ctx context.Context, kube kubernetes.Interface, cfg Config, dnsIP string, log *slog.Logger) {
	log = log.With("component", "cluster-dns")
	if err := dns.EnsureService(ctx, kube, dnsIP, cfg.AdvertiseAddress, cfg.DNSPort); err != nil {
		log.Error("Publish the kube-dns Service", "clusterIP", dnsIP, "err", err)
		return
	}
	factory := informers.NewSharedInformerFactory(kube, 0)
	server := dns.New(dns.Config{
		Factory:   factory,
		Addr:      net.JoinHostPort(cfg.AdvertiseAddress, strconv.Itoa(cfg.DNSPort)),
		Upstreams: cfg.DNSUpstreams,
		Log:       log,
	})
	go func() {
		defer factory.Shutdown()
		if err := server.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("Cluster DNS stopped; pods cannot resolve names", "err", err)
		}
	}()
}
