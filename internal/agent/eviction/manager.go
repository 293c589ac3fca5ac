package eviction

import (
	"context"
	"log/slog"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// Reason is the pod status reason of an evicted pod.
const Reason = "Evicted"

// Config wires the manager to the host and the pod worker.
type Config struct {
	// DataDir is the agent's data dir: nodefs is its filesystem, imagefs
	// that of DataDir/containerd.
	DataDir string
	// Thresholds are the hard eviction thresholds. Default: kubelet's
	// (DefaultThresholds).
	Thresholds []Threshold
	// ActivePods are the pods the agent is running.
	ActivePods func() []*v1.Pod
	// Evict stops a pod and fails it with reason and message (the pod
	// worker's Kill); see DisruptionTarget for its condition.
	Evict func(pod *v1.Pod, reason, message string)
	// Usage reports a pod's memory use in bytes. Optional.
	Usage Usage
	// Recorder, when set, gets kubelet's Evicted event on each pod and
	// EvictionThresholdMet on the node NodeName.
	Recorder record.EventRecorder
	NodeName string
	// Observe reads the signals. Default: from the host and DataDir.
	Observe func() (map[Signal]Observation, error)
	// Interval is how often signals are read (and at most one pod
	// evicted). Default 10s.
	Interval time.Duration
	// TransitionPeriod is how long a pressure condition stays true after
	// its threshold was last met. Default 5m, as kubelet's
	// --eviction-pressure-transition-period.
	TransitionPeriod time.Duration
	// Clock defaults to the real clock; Log to slog.Default().
	Clock clock.WithTicker
	Log   *slog.Logger
}

// Manager watches the node's resources and evicts pods under pressure.
type Manager struct {
	cfg Config

	mu      sync.Mutex
	lastMet [3]time.Time // memory, disk, pid
	evicted map[types.UID]bool
}

// New applies defaults.
func New(cfg Config) *Manager {
	if cfg.Thresholds == nil {
		cfg.Thresholds = DefaultThresholds()
	}
	if cfg.Observe == nil {
		dir := cfg.DataDir
		cfg.Observe = func() (map[Signal]Observation, error) { return observeHost(dir) }
	}
	if cfg.Interval == 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.TransitionPeriod == 0 {
		cfg.TransitionPeriod = 5 * time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Manager{cfg: cfg, evicted: map[types.UID]bool{}}
}

// Conditions reports memory, disk and PID pressure for the node status.
func (m *Manager) Conditions() (memory, disk, pid bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Clock.Now()
	under := func(t time.Time) bool { return !t.IsZero() && now.Sub(t) < m.cfg.TransitionPeriod }
	return under(m.lastMet[0]), under(m.lastMet[1]), under(m.lastMet[2])
}

// Run checks the signals every Interval until ctx ends.
func (m *Manager) Run(ctx context.Context) {
	t := m.cfg.Clock.NewTicker(m.cfg.Interval)
	defer t.Stop()
	for {
		m.synchronize()
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
	}
}

// synchronize reads the signals once, updates the pressure state and
// evicts at most one pod. It returns the evicted pod, if any.
func (m *Manager) synchronize() *v1.Pod {
	cfg := m.cfg
	obs, err := cfg.Observe()
	if err != nil {
		cfg.Log.Warn("Eviction signals unavailable", "err", err)
		return nil
	}
	met := Met(cfg.Thresholds, obs)
	memory, disk, pid := Pressure(met)
	now := cfg.Clock.Now()
	m.mu.Lock()
	for i, p := range []bool{memory, disk, pid} {
		if p {
			m.lastMet[i] = now
		}
	}
	m.mu.Unlock()
	if len(met) == 0 {
		return nil
	}
	t := met[0]
	res := signalResource[t.Signal]
	cfg.Log.Warn("Eviction threshold met", "signal", t.Signal, "available", obs[t.Signal].Available)
	if cfg.Recorder != nil && cfg.NodeName != "" {
		cfg.Recorder.Eventf(&v1.ObjectReference{Kind: "Node", Name: cfg.NodeName, UID: types.UID(cfg.NodeName)},
			v1.EventTypeWarning, "EvictionThresholdMet", "Attempting to reclaim %s", res)
	}
	var usage Usage
	if t.Signal == MemoryAvailable {
		usage = cfg.Usage
	}
	pods := m.pending(cfg.ActivePods())
	ranked := Rank(pods, t.Signal, usage)
	if len(ranked) == 0 {
		cfg.Log.Error("Eviction manager: unable to evict any pods from the node", "signal", t.Signal)
		return nil
	}
	victim := ranked[0]
	msg := Message(t, obs[t.Signal])
	cfg.Log.Info("Evicting pod", "pod", victim.Namespace+"/"+victim.Name, "signal", t.Signal, "message", msg)
	m.mu.Lock()
	m.evicted[victim.UID] = true
	m.mu.Unlock()
	if cfg.Recorder != nil {
		cfg.Recorder.Event(victim, v1.EventTypeWarning, Reason, msg)
	}
	cfg.Evict(victim, Reason, msg)
	return victim
}

// pending are the active pods not already evicted; evicted pods that are
// gone are forgotten.
func (m *Manager) pending(active []*v1.Pod) []*v1.Pod {
	m.mu.Lock()
	defer m.mu.Unlock()
	still := map[types.UID]bool{}
	var out []*v1.Pod
	for _, p := range active {
		if m.evicted[p.UID] {
			still[p.UID] = true
			continue
		}
		out = append(out, p)
	}
	m.evicted = still
	return out
}

// DisruptionTarget is the condition kubelet adds to a pod it evicts for
// node pressure, for the pod worker to set with phase Failed.
func DisruptionTarget(message string, now time.Time) v1.PodCondition {
	return v1.PodCondition{
		Type:               v1.DisruptionTarget,
		Status:             v1.ConditionTrue,
		Reason:             v1.PodReasonTerminationByKubelet,
		Message:            message,
		LastTransitionTime: metav1.NewTime(now),
	}
}
