package containerconfig

import (
	"errors"
	"path/filepath"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Lookup reads the objects a container's environment refers to; the agent
// backs it with informer listers.
type Lookup interface {
	ConfigMap(namespace, name string) (*v1.ConfigMap, error)
	Secret(namespace, name string) (*v1.Secret, error)
	Services(namespace string) ([]*v1.Service, error)
}

// BuilderConfig holds the node-wide settings the builders need.
type BuilderConfig struct {
	// NodeName is this node's name (spec.nodeName of its pods).
	NodeName string
	// LogDir is the root of container logs, <data>/logs/pods.
	LogDir string
	// Lookup resolves ConfigMaps, Secrets and Services for the environment.
	Lookup Lookup
	// ClusterDNS are the cluster DNS server IPs; empty means pods with
	// ClusterFirst fall back to the host's resolv.conf, as kubelet does.
	ClusterDNS []string
	// ClusterDomain is the cluster's DNS domain; default "cluster.local".
	ClusterDomain string
	// ResolvConf is the host resolver file for dnsPolicy Default; default
	// "/etc/resolv.conf".
	ResolvConf string
	// HostsFile is the host's hosts file copied for hostNetwork pods;
	// default "/etc/hosts".
	HostsFile string
	// CgroupParent names the pod's cgroup (cgroups.Manager.EnsurePod's
	// answer); nil leaves the runtime's default.
	CgroupParent func(pod *v1.Pod) string
	// NodeAllocatable is what resourceFieldRef limits default to when a
	// container sets none, and the memory capacity Burstable oom_score_adj
	// is scaled by; nil means no defaults (limits resolve to 0).
	NodeAllocatable func() v1.ResourceList
	// PodDir is the pod's directory, <data>/pods/<uid>; the managed hosts
	// file and termination-log files live under it. Required by Container.
	PodDir func(uid types.UID) string
}

// Builder builds CRI configs from pods; safe for concurrent use.
type Builder struct {
	cfg BuilderConfig
}

// NewBuilder fills defaults into cfg.
func NewBuilder(cfg BuilderConfig) *Builder {
	if cfg.ClusterDomain == "" {
		cfg.ClusterDomain = "cluster.local"
	}
	if cfg.ResolvConf == "" {
		cfg.ResolvConf = "/etc/resolv.conf"
	}
	if cfg.HostsFile == "" {
		cfg.HostsFile = "/etc/hosts"
	}
	return &Builder{cfg: cfg}
}

func (b *Builder) allocatable() v1.ResourceList {
	if b.cfg.NodeAllocatable == nil {
		return nil
	}
	return b.cfg.NodeAllocatable()
}

func (b *Builder) podDir(uid types.UID) (string, error) {
	if b.cfg.PodDir == nil {
		return "", errors.New("containerconfig: BuilderConfig.PodDir is not set")
	}
	return filepath.Clean(b.cfg.PodDir(uid)), nil
}

// ReasonCreateContainerConfigError is the waiting reason kubelet reports when
// a container's config cannot be generated (a missing ConfigMap, Secret or key).
const ReasonCreateContainerConfigError = "CreateContainerConfigError"

// ConfigError is an error building a container's config that the user must
// fix in the cluster; Reason() is the container's waiting reason.
type ConfigError struct {
	msg   string
	cause error
}

func (e *ConfigError) Error() string { return e.msg }

// Unwrap exposes the lookup error behind the message, if any.
func (e *ConfigError) Unwrap() error { return e.cause }

// Reason is the waiting reason for the container status.
func (e *ConfigError) Reason() string { return ReasonCreateContainerConfigError }

func newConfigError(msg string, cause error) error { return &ConfigError{msg: msg, cause: cause} }

// Reason returns err's waiting reason if it carries one, else "".
func Reason(err error) string {
	var r interface{ Reason() string }
	if errors.As(err, &r) {
		return r.Reason()
	}
	return ""
}
