package sim

import (
	"fmt"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Options configures a fleet of simulated nodes. Zero values take the
// defaults named on each field.
type Options struct {
	// Nodes is how many nodes to register (required, at least 1).
	Nodes int
	// NamePrefix starts every node name; nodes are NamePrefix0…NamePrefix(N-1).
	// Default "sim-".
	NamePrefix string
	// CPU, Memory and Pods are each node's capacity and allocatable.
	// Defaults "32", "256Gi" and 110.
	CPU    string
	Memory string
	Pods   int
	// StartupDelay is how long a pod bound to a sim node stays Pending
	// before it runs. Default 0.
	StartupDelay time.Duration
	// StopDelay caps the simulated container stop on deletion: a deleted
	// pod goes after min(its grace period, StopDelay). Default 1s.
	StopDelay time.Duration
	// Fail names nodes that start failed (as if their kubelet were dead).
	Fail []string
	// Cleanup deletes the nodes and their Leases when Run returns.
	Cleanup bool
	// LeaseInterval is how often each node's Lease is renewed. Default 10s,
	// like kubelet; tests with short grace periods lower it.
	LeaseInterval time.Duration
	// StatusInterval is how often node status is posted when nothing
	// changed. Default 5m, like kubelet's nodeStatusReportFrequency.
	StatusInterval time.Duration
	// Workers bounds concurrent pod status writes. Default 32.
	Workers int
	// Out receives progress lines; nil discards them.
	Out io.Writer
}

// Defaults of the timing options, kubelet's where kubelet has one.
const (
	DefaultStopDelay      = time.Second
	DefaultLeaseInterval  = 10 * time.Second
	DefaultStatusInterval = 5 * time.Minute
)

func (o Options) withDefaults() (Options, error) {
	if o.Nodes < 1 {
		return o, fmt.Errorf("need at least one node, got %d", o.Nodes)
	}
	if o.NamePrefix == "" {
		o.NamePrefix = "sim-"
	}
	if o.CPU == "" {
		o.CPU = "32"
	}
	if o.Memory == "" {
		o.Memory = "256Gi"
	}
	if o.Pods == 0 {
		o.Pods = 110
	}
	if o.StopDelay == 0 {
		o.StopDelay = DefaultStopDelay
	}
	if o.LeaseInterval == 0 {
		o.LeaseInterval = DefaultLeaseInterval
	}
	if o.StatusInterval == 0 {
		o.StatusInterval = DefaultStatusInterval
	}
	if o.Workers == 0 {
		o.Workers = 32
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	for _, q := range []string{o.CPU, o.Memory} {
		if _, err := resource.ParseQuantity(q); err != nil {
			return o, fmt.Errorf("parse node capacity %q: %w", q, err)
		}
	}
	if o.Nodes > maxNodes {
		return o, fmt.Errorf("at most %d nodes, got %d", maxNodes, o.Nodes)
	}
	return o, nil
}
