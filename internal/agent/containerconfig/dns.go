package containerconfig

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Limits glibc and musl place on resolv.conf; kubelet trims to the same.
const (
	maxDNSSearches    = 32
	maxDNSSearchChars = 2048
	maxDNSNameservers = 3
)

// ResolvConf is a parsed resolv.conf.
type ResolvConf struct {
	Nameservers, Searches, Options []string
}

// ParseResolvConf reads nameserver, search and options lines; later search
// lines replace earlier ones, as the resolver does.
func ParseResolvConf(data []byte) ResolvConf {
	var rc ResolvConf
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			rc.Nameservers = append(rc.Nameservers, f[1])
		case "search", "domain":
			rc.Searches = nil
			for _, s := range f[1:] {
				if s != "." {
					rc.Searches = append(rc.Searches, strings.TrimSuffix(s, "."))
				}
			}
		case "options":
			rc.Options = append(rc.Options, f[1:]...)
		}
	}
	return rc
}

// dnsMode is how a pod's resolver is configured.
type dnsMode int

const (
	dnsCluster dnsMode = iota
	dnsHost
	dnsNone
)

func podDNSMode(pod *v1.Pod, clusterDNS []string) dnsMode {
	mode := dnsCluster
	switch pod.Spec.DNSPolicy {
	case v1.DNSNone:
		return dnsNone
	case v1.DNSDefault:
		mode = dnsHost
	case v1.DNSClusterFirstWithHostNet:
		mode = dnsCluster
	default: // ClusterFirst, or unset
		if pod.Spec.HostNetwork {
			mode = dnsHost
		}
	}
	// Without a cluster DNS server kubelet falls back to the host's resolver.
	if mode == dnsCluster && len(clusterDNS) == 0 {
		mode = dnsHost
	}
	return mode
}

// PodDNS is the resolver config for the sandbox: the policy's base
// (cluster DNS with the namespace's search path and ndots:5, the host's
// resolv.conf, or nothing) merged with spec.dnsConfig.
func PodDNS(pod *v1.Pod, clusterDNS []string, clusterDomain string, host ResolvConf) *runtimeapi.DNSConfig {
	var servers, searches, options []string
	switch podDNSMode(pod, clusterDNS) {
	case dnsCluster:
		servers = append(servers, clusterDNS...)
		if clusterDomain != "" {
			searches = []string{
				fmt.Sprintf("%s.svc.%s", pod.Namespace, clusterDomain),
				"svc." + clusterDomain,
				clusterDomain,
			}
		}
		searches = append(searches, host.Searches...)
		options = []string{"ndots:5"}
	case dnsHost:
		servers = append(servers, host.Nameservers...)
		searches = append(searches, host.Searches...)
		options = append(options, host.Options...)
	}
	if dc := pod.Spec.DNSConfig; dc != nil {
		servers = dedup(append(servers, dc.Nameservers...))
		searches = dedup(append(searches, dc.Searches...))
		options = mergeDNSOptions(options, dc.Options)
	}
	if len(servers) > maxDNSNameservers {
		servers = servers[:maxDNSNameservers]
	}
	return &runtimeapi.DNSConfig{Servers: servers, Searches: trimSearches(searches), Options: options}
}

// mergeDNSOptions lets the pod's options override same-named base options.
func mergeDNSOptions(base []string, pod []v1.PodDNSConfigOption) []string {
	var names []string
	values := map[string]string{}
	set := func(name, value string) {
		if _, ok := values[name]; !ok {
			names = append(names, name)
		}
		values[name] = value
	}
	for _, o := range base {
		name, value, _ := strings.Cut(o, ":")
		set(name, value)
	}
	for _, o := range pod {
		v := ""
		if o.Value != nil {
			v = *o.Value
		}
		set(o.Name, v)
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if values[n] == "" {
			out = append(out, n)
		} else {
			out = append(out, n+":"+values[n])
		}
	}
	return out
}

func trimSearches(s []string) []string {
	if len(s) > maxDNSSearches {
		s = s[:maxDNSSearches]
	}
	for total := len(strings.Join(s, " ")); total > maxDNSSearchChars && len(s) > 0; total = len(strings.Join(s, " ")) {
		s = s[:len(s)-1]
	}
	return s
}

func dedup(in []string) []string {
	seen := map[string]bool{}
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (b *Builder) hostResolvConf() (ResolvConf, error) {
	data, err := os.ReadFile(b.cfg.ResolvConf)
	if err != nil {
		return ResolvConf{}, fmt.Errorf("read host resolv.conf: %w", err)
	}
	return ParseResolvConf(data), nil
}
