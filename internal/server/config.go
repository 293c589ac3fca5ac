package server

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bosun-dev/bosun/internal/agent"

	"github.com/bosun-dev/bosun/internal/hostaddr"
)

// Config configures `bosun server`. Zero values take the documented defaults.
type Config struct {
	// DataDir holds etcd data, certificates and admin.kubeconfig.
	DataDir string
	// BindAddress is the address HTTPS listens on (default 0.0.0.0).
	BindAddress string
	// SecurePort is the HTTPS port (default 6443; 0 in tests picks a free one).
	SecurePort int
	// AdvertiseAddress is the IP the kubernetes Service's endpoints point at
	// (default: the host's first non-loopback IPv4, else 127.0.0.1).
	AdvertiseAddress string
	// EtcdEndpoints selects an external etcd cluster instead of the embedded one.
	EtcdEndpoints []string
	EtcdCAFile    string
	EtcdCertFile  string
	EtcdKeyFile   string
	// ServiceClusterIPRange is the Service CIDR (default 10.0.0.0/24, as kube-apiserver).
	ServiceClusterIPRange string
	// ServiceNodePortRange is "min-max" (default 30000-32767, as kube-apiserver).
	ServiceNodePortRange string
	// Components selects what runs: "apiserver", "scheduler", "controllers"
	// (default all three). Without "apiserver", Kubeconfig names the API
	// server the others work against.
	Components []string
	Kubeconfig string
	// NodeMonitorGracePeriod is how long a node may stay silent before it is
	// marked Unknown and tainted unreachable (default 40s, as Kubernetes).
	NodeMonitorGracePeriod time.Duration
	// ClusterCIDR is the range nodes' podCIDRs are cut from (default 10.244.0.0/16).
	ClusterCIDR string
	// DNSPort is where cluster DNS listens on the advertise address, behind
	// the kube-dns Service (the tenth address of the Service range). Zero
	// runs no cluster DNS. DNSUpstreams ("ip:port") answer names outside the
	// cluster domain (default: the host's resolv.conf nameservers).
	DNSPort      int
	DNSUpstreams []string
	// Agent, when set, runs a node agent in this process with credentials
	// the server issues (its REST and certificate fields are filled in).
	Agent *agent.Config
	// DisableAdmissionPlugins as apiserver.Config's (default none).
	DisableAdmissionPlugins []string
	// Ready, when set, is closed once the server serves and has bootstrapped.
	Ready chan struct{}
	// Addr, when set, receives the address HTTPS listens on (after the port is bound).
	Addr chan<- string
}

// AllComponents are the parts of the control plane `bosun server` runs.
var AllComponents = []string{ComponentAPIServer, ComponentScheduler, ComponentControllers}

// Component names for Config.Components and --components.
const (
	ComponentAPIServer   = "apiserver"
	ComponentScheduler   = "scheduler"
	ComponentControllers = "controllers"
)

func (c *Config) runs(component string) bool { return slices.Contains(c.Components, component) }

// validate refuses unknown components and a control plane without an API server to talk to.
func (c *Config) validate() error {
	for _, comp := range c.Components {
		if !slices.Contains(AllComponents, comp) {
			return fmt.Errorf("unknown component %q: want one of %s", comp, strings.Join(AllComponents, ", "))
		}
	}
	if !c.runs(ComponentAPIServer) && c.Kubeconfig == "" {
		return fmt.Errorf("--components without %s needs --kubeconfig for the API server to use", ComponentAPIServer)
	}
	return nil
}

const (
	defaultServiceCIDR   = "10.0.0.0/24"
	defaultNodePortRange = "30000-32767"
)

func (c *Config) setDefaults() {
	if c.BindAddress == "" {
		c.BindAddress = "0.0.0.0"
	}
	if c.ServiceClusterIPRange == "" {
		c.ServiceClusterIPRange = defaultServiceCIDR
	}
	if c.ServiceNodePortRange == "" {
		c.ServiceNodePortRange = defaultNodePortRange
	}
	if len(c.Components) == 0 {
		c.Components = AllComponents
	}
	if c.AdvertiseAddress == "" {
		c.AdvertiseAddress = hostaddr.IPv4()
	}
}

// parsePortRange parses "30000-32767".
func parsePortRange(s string) (int32, int32, error) {
	lo, hi, ok := strings.Cut(s, "-")
	a, err1 := strconv.ParseInt(strings.TrimSpace(lo), 10, 32)
	b, err2 := strconv.ParseInt(strings.TrimSpace(hi), 10, 32)
	if !ok || err1 != nil || err2 != nil || a < 1 || b > 65535 || a > b {
		return 0, 0, fmt.Errorf("invalid port range %q: want MIN-MAX within 1-65535", s)
	}
	return int32(a), int32(b), nil
}
