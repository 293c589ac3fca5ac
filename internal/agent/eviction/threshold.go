package eviction

import (
	"fmt"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Signal names a resource the node can run short of, in kubelet's terms.
type Signal string

// The signals kubelet's hard eviction knows on Linux.
const (
	MemoryAvailable   Signal = "memory.available"
	NodeFsAvailable   Signal = "nodefs.available"
	NodeFsInodesFree  Signal = "nodefs.inodesFree"
	ImageFsAvailable  Signal = "imagefs.available"
	ImageFsInodesFree Signal = "imagefs.inodesFree"
	PIDAvailable      Signal = "pid.available"
)

// signalOrder is the order thresholds are acted on: memory first, as
// kubelet reclaims memory before anything else.
var signalOrder = []Signal{MemoryAvailable, NodeFsAvailable, NodeFsInodesFree, ImageFsAvailable, ImageFsInodesFree, PIDAvailable}

// signalResource is the resource an eviction message says ran short.
var signalResource = map[Signal]v1.ResourceName{
	MemoryAvailable:   v1.ResourceMemory,
	NodeFsAvailable:   v1.ResourceEphemeralStorage,
	NodeFsInodesFree:  "inodes",
	ImageFsAvailable:  v1.ResourceEphemeralStorage,
	ImageFsInodesFree: "inodes",
	PIDAvailable:      "pids",
}

// Threshold is met when what is available of Signal drops below Quantity,
// or below Percentage of capacity when Quantity is nil.
type Threshold struct {
	Signal     Signal
	Quantity   *resource.Quantity
	Percentage float64
}

// DefaultThresholds are kubelet's default --eviction-hard on Linux.
func DefaultThresholds() []Threshold {
	mem := resource.MustParse("100Mi")
	return []Threshold{
		{Signal: MemoryAvailable, Quantity: &mem},
		{Signal: NodeFsAvailable, Percentage: 0.10},
		{Signal: NodeFsInodesFree, Percentage: 0.05},
		{Signal: ImageFsAvailable, Percentage: 0.15},
		{Signal: ImageFsInodesFree, Percentage: 0.05},
	}
}

// ParseThresholds reads an --eviction-hard value such as
// "memory.available<100Mi,nodefs.available<10%".
func ParseThresholds(s string) ([]Threshold, error) {
	var out []Threshold
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		sig, val, ok := strings.Cut(part, "<")
		if !ok {
			return nil, fmt.Errorf("eviction threshold %q: want signal<quantity", part)
		}
		t := Threshold{Signal: Signal(sig)}
		if _, known := signalResource[t.Signal]; !known {
			return nil, fmt.Errorf("eviction threshold %q: unknown signal %q", part, sig)
		}
		if p, isPct := strings.CutSuffix(val, "%"); isPct {
			f, err := strconv.ParseFloat(p, 64)
			if err != nil || f < 0 || f > 100 {
				return nil, fmt.Errorf("eviction threshold %q: bad percentage", part)
			}
			t.Percentage = f / 100
		} else {
			q, err := resource.ParseQuantity(val)
			if err != nil {
				return nil, fmt.Errorf("eviction threshold %q: %w", part, err)
			}
			t.Quantity = &q
		}
		out = append(out, t)
	}
	return out, nil
}

// Observation is what a signal measured: available and capacity, in bytes,
// inodes or PIDs.
type Observation struct {
	Available int64
	Capacity  int64
}

// quantity is the threshold in the signal's unit, given its capacity.
func (t Threshold) quantity(capacity int64) *resource.Quantity {
	if t.Quantity != nil {
		return t.Quantity
	}
	return resource.NewQuantity(int64(float64(capacity)*t.Percentage), resource.BinarySI)
}

// Met are the thresholds whose signal was observed below them, in the
// order they are acted on. Unobserved signals meet nothing.
func Met(thresholds []Threshold, obs map[Signal]Observation) []Threshold {
	var met []Threshold
	for _, sig := range signalOrder {
		o, ok := obs[sig]
		if !ok {
			continue
		}
		for _, t := range thresholds {
			if t.Signal == sig && o.Available < t.quantity(o.Capacity).Value() {
				met = append(met, t)
			}
		}
	}
	return met
}

// Pressure maps met thresholds to the node conditions they raise.
func Pressure(met []Threshold) (memory, disk, pid bool) {
	for _, t := range met {
		switch t.Signal {
		case MemoryAvailable:
			memory = true
		case PIDAvailable:
			pid = true
		default:
			disk = true
		}
	}
	return memory, disk, pid
}

// Message is kubelet's eviction message for a pod evicted over t.
func Message(t Threshold, o Observation) string {
	available := resource.NewQuantity(o.Available, resource.BinarySI)
	if signalResource[t.Signal] != v1.ResourceMemory && signalResource[t.Signal] != v1.ResourceEphemeralStorage {
		available = resource.NewQuantity(o.Available, resource.DecimalSI)
	}
	return fmt.Sprintf("The node was low on resource: %s. Threshold quantity: %s, available: %s. ",
		signalResource[t.Signal], t.quantity(o.Capacity).String(), available.String())
}
