package dns

import (
	"log/slog"
	"net"
	"time"

	"k8s.io/client-go/informers"
)

// Config says what the cluster DNS server serves and where.
type Config struct {
	// Factory supplies the Service and EndpointSlice informers. Run starts
	// it and waits for its caches; both are idempotent, so the factory may
	// be shared and started by others too.
	Factory informers.SharedInformerFactory
	// Addr is the "ip:port" served over both UDP and TCP. Port 0 picks one
	// free port for both (tests). Default ":53".
	Addr string
	// Domain is the cluster zone. Default "cluster.local".
	Domain string
	// Upstreams are the "ip:port" resolvers names outside the zone are
	// forwarded to, tried in order. Empty means the nameservers of
	// ResolvConf.
	Upstreams []string
	// ResolvConf is read for upstreams when Upstreams is empty. Default
	// /etc/resolv.conf.
	ResolvConf string
	// ForwardTimeout bounds one exchange with one upstream. Default 2 s.
	ForwardTimeout time.Duration
	// Log receives the server's logs. Default slog.Default().
	Log *slog.Logger
}

// DefaultForwardTimeout is Config.ForwardTimeout's default.
const DefaultForwardTimeout = 2 * time.Second

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = ":53"
	}
	if c.Domain == "" {
		c.Domain = DefaultDomain
	}
	if c.ResolvConf == "" {
		c.ResolvConf = DefaultResolvConf
	}
	if c.ForwardTimeout <= 0 {
		c.ForwardTimeout = DefaultForwardTimeout
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// withoutSelf drops the upstreams that are the server's own address, the
// plainest forwarding loop; the loop marker in forwarded queries catches
// the ones that go through other resolvers.
func withoutSelf(upstreams []string, self *net.UDPAddr) []string {
	var out []string
	for _, u := range upstreams {
		a, err := net.ResolveUDPAddr("udp", u)
		if err != nil {
			continue
		}
		if a.Port == self.Port && (a.IP.Equal(self.IP) || (self.IP.IsUnspecified() && a.IP.IsLoopback())) {
			continue
		}
		out = append(out, u)
	}
	return out
}
