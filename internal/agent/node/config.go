package node

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"
)

// Config says which node this agent is and where its status comes from.
type Config struct {
	// Client talks to the API server.
	Client kubernetes.Interface
	// NodeName is the Node's name. Default: the lowercased Hostname.
	NodeName string
	// NodeIP is the InternalIP address. Default: the host's first
	// non-loopback IPv4 address.
	NodeIP string
	// Hostname is the Hostname address and the kubernetes.io/hostname
	// label. Default: NodeName when set (a name given to the agent is
	// kubelet's --hostname-override, which sets both), else os.Hostname.
	Hostname string
	// Labels are added to kubelet's own (--node-labels).
	Labels map[string]string
	// Taints are set when the Node is created (--register-with-taints).
	Taints []corev1.Taint
	// KubeletPort is the agent's HTTPS port in daemonEndpoints. Default 10250.
	KubeletPort int32
	// Runtime and Images are the CRI services: version, network readiness
	// and the image list come from them.
	Runtime runtimeapi.RuntimeServiceClient
	Images  runtimeapi.ImageServiceClient
	// Capacity reports cpu, memory (and ephemeral-storage if known).
	// Default: every CPU and MemTotal from /proc/meminfo.
	Capacity func() (corev1.ResourceList, error)
	// MaxPods is the pods capacity. Default 110, as kubelet.
	MaxPods int64
	// Reserved is system-reserved plus kube-reserved, taken off allocatable.
	// Default none, as kubelet.
	Reserved corev1.ResourceList
	// EvictionHard is what the hard eviction thresholds keep free, also
	// taken off allocatable. Default memory 100Mi, as kubelet's
	// memory.available<100Mi (nodefs.available<10% is applied to
	// ephemeral-storage whenever capacity reports it).
	EvictionHard corev1.ResourceList
	// PodCIDRReady is called once, when spec.podCIDR is first seen set,
	// so the agent can write its CNI config. Optional.
	PodCIDRReady func(cidr string)
	// Pressure reports the memory, disk and PID pressure conditions
	// (eviction.Manager.Conditions). Optional: no pressure.
	Pressure func() (memory, disk, pid bool)
	// StatusInterval is how often status is posted. Default 10s.
	StatusInterval time.Duration
	// LeaseDuration is the Lease's leaseDurationSeconds. Default 40s.
	LeaseDuration time.Duration
	// RenewInterval is how often the Lease is renewed. Default 10s.
	RenewInterval time.Duration
	// Recorder records Node events. Default: one posting to Client with
	// source component "kubelet" on host NodeName.
	Recorder record.EventRecorder
	// Clock defaults to the real clock.
	Clock clock.WithTicker
	// Log defaults to slog.Default().
	Log *slog.Logger
}

// Defaults as kubelet's.
const (
	DefaultKubeletPort    = 10250
	DefaultMaxPods        = 110
	DefaultStatusInterval = 10 * time.Second
	DefaultLeaseDuration  = 40 * time.Second
	DefaultRenewInterval  = 10 * time.Second
)

// withDefaults fills what cfg leaves empty, reading the host where needed.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Client == nil || cfg.Runtime == nil || cfg.Images == nil {
		return cfg, errors.New("node config needs an API client and the CRI runtime and image services")
	}
	if cfg.Hostname == "" && cfg.NodeName != "" {
		cfg.Hostname = cfg.NodeName
	}
	if cfg.Hostname == "" {
		h, err := os.Hostname()
		if err != nil {
			return cfg, fmt.Errorf("read hostname: %w", err)
		}
		cfg.Hostname = h
	}
	if cfg.NodeName == "" {
		cfg.NodeName = strings.ToLower(cfg.Hostname)
	}
	if cfg.NodeIP == "" {
		ip, err := hostIPv4()
		if err != nil {
			return cfg, err
		}
		cfg.NodeIP = ip
	}
	if cfg.KubeletPort == 0 {
		cfg.KubeletPort = DefaultKubeletPort
	}
	if cfg.Capacity == nil {
		cfg.Capacity = hostCapacity
	}
	if cfg.MaxPods == 0 {
		cfg.MaxPods = DefaultMaxPods
	}
	if cfg.EvictionHard == nil {
		cfg.EvictionHard = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("100Mi")}
	}
	if cfg.Pressure == nil {
		cfg.Pressure = func() (bool, bool, bool) { return false, false, false }
	}
	if cfg.StatusInterval == 0 {
		cfg.StatusInterval = DefaultStatusInterval
	}
	if cfg.LeaseDuration == 0 {
		cfg.LeaseDuration = DefaultLeaseDuration
	}
	if cfg.RenewInterval == 0 {
		cfg.RenewInterval = DefaultRenewInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return cfg, nil
}
