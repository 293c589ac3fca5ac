package dns

import (
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/bosun-dev/bosun/internal/agent/containerconfig"
)

// DefaultResolvConf is where upstream resolvers are read from when
// Config.Upstreams is empty.
const DefaultResolvConf = "/etc/resolv.conf"

// readUpstreams reads the nameservers of a resolv.conf file as upstreams.
func readUpstreams(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read upstream resolvers: %w", err)
	}
	return chooseUpstreams(parseResolvConf(data)), nil
}

// parseResolvConf returns the nameserver lines of a resolv.conf as
// "ip:53" addresses, in order, ignoring anything that is not an address.
func parseResolvConf(data []byte) []string {
	var out []string
	for _, ns := range containerconfig.ParseResolvConf(data).Nameservers {
		// A link-local IPv6 server carries its zone ("fe80::1%eth0").
		host, zone, _ := strings.Cut(ns, "%")
		if net.ParseIP(host) == nil {
			continue
		}
		if zone != "" {
			host += "%" + zone
		}
		out = append(out, net.JoinHostPort(host, "53"))
	}
	return out
}

// chooseUpstreams drops loopback resolvers when there are others: a
// loopback resolver of the host (systemd-resolved's 127.0.0.53, a local
// dnsmasq) is often not reachable from where the server runs, and may be
// forwarding to the cluster itself.
func chooseUpstreams(servers []string) []string {
	var other []string
	for _, s := range servers {
		host, _, err := net.SplitHostPort(s)
		if err != nil {
			continue
		}
		host, _, _ = strings.Cut(host, "%")
		if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
			other = append(other, s)
		}
	}
	if len(other) == 0 {
		return servers
	}
	return other
}
