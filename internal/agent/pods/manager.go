package pods

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"
)

// resyncPeriod is how often the runtime is relisted: pods whose containers
// changed, and pods with something pending (back-off expiry, a container
// still starting), are synced then; settled pods every fullSyncEvery ticks
// (kubelet's own periodic sync is a minute).
const resyncPeriod = time.Second

// Config wires the pod workers to the rest of the agent.
type Config struct {
	// NodeName is the node the pods are bound to (event source host).
	NodeName string
	// NodeIPs are the node's addresses, reported as hostIP/hostIPs and as the
	// pod IPs of hostNetwork pods; the first is the primary.
	NodeIPs []string
	// Client writes pod status and finishes graceful deletes.
	Client  kubernetes.Interface
	Runtime runtimeapi.RuntimeServiceClient
	Images  ImageEnsurer
	Volumes VolumeManager
	Probes  Prober
	Builder ConfigBuilder
	Cgroups Cgroups
	// Secrets looks up imagePullSecrets; nil means no pull secrets.
	Secrets func(namespace, name string) (*v1.Secret, error)
	// Recorder records events as component "kubelet" on host NodeName.
	Recorder record.EventRecorder
	// LogDir holds the pods' log directories (<ns>_<name>_<uid>), removed
	// with the pod as kubelet's garbage collection does; empty skips that.
	LogDir string
	// Clock defaults to the real clock.
	Clock clock.WithTicker
	// Log defaults to slog.Default().
	Log *slog.Logger
	// SandboxParallelism is how many pod sandboxes are created at once
	// (default 2 per CPU the agent may use). Creating one is the runtime's
	// heaviest step — CNI plugins, a shim, runc — and all CPU: a burst of
	// pods started all at once finishes them all together at the end,
	// while a few at a time have the first ones Ready early.
	SandboxParallelism int
}

// Manager runs one worker per pod, keyed by UID.
type Manager struct {
	cfg   Config
	log   *slog.Logger
	clock clock.WithTicker
	// crash is the container restart back-off, keyed "<uid>/<container>";
	// setup is the back-off of failed sandbox and volume setup, "<uid>/".
	crash, setup *backoff

	// sandboxSlots holds one token per sandbox being created.
	sandboxSlots chan struct{}

	mu      sync.Mutex
	ctx     context.Context // set by Run; nil before
	workers map[types.UID]*worker
}

// New returns a Manager; nothing runs until Run.
func New(cfg Config) *Manager {
	m := &Manager{cfg: cfg, log: cfg.Log, clock: cfg.Clock, workers: map[types.UID]*worker{},
		crash: newBackoff(initialBackoff, maxBackoff), setup: newBackoff(time.Second, time.Minute)}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.clock == nil {
		m.clock = clock.RealClock{}
	}
	n := cfg.SandboxParallelism
	if n <= 0 {
		n = 2 * runtime.GOMAXPROCS(0)
	}
	m.sandboxSlots = make(chan struct{}, n)
	return m
}

// Run starts the workers of pods seen so far and wakes every pod worker each
// resync period until ctx ends. Workers stop with ctx; containers keep
// running, to be adopted by the next Manager.
func (m *Manager) Run(ctx context.Context) {
	m.mu.Lock()
	m.ctx = ctx
	for _, w := range m.workers {
		m.start(w)
	}
	m.mu.Unlock()
	t := m.clock.NewTicker(resyncPeriod)
	defer t.Stop()
	var last map[types.UID]string
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			now, err := relist(ctx, m.cfg.Runtime)
			if err != nil {
				m.log.Warn("List pods in the runtime", "err", err)
			}
			m.mu.Lock()
			for uid, w := range m.workers {
				if w.quiet() {
					continue
				}
				changed := err != nil || now[uid] != last[uid]
				if changed || !w.settled.Load() || w.idleTicks.Add(1) >= fullSyncEvery {
					w.poke()
				}
			}
			m.mu.Unlock()
			if err == nil {
				last = now
			}
		}
	}
}

// Update hands the worker the pod's latest object (added or updated).
func (m *Manager) Update(pod *v1.Pod) {
	m.worker(pod).set(func(w *worker) { w.pod = pod.DeepCopy() })
}

// Delete stops and removes the pod's containers: it is gone from the API.
func (m *Manager) Delete(pod *v1.Pod) {
	m.worker(pod).set(func(w *worker) {
		if w.pod == nil {
			w.pod = pod.DeepCopy()
		}
		w.deleted = true
	})
}

// Kill stops the pod for good and reports it Failed with reason and message
// (eviction); the object stays until it is deleted.
func (m *Manager) Kill(pod *v1.Pod, reason, message string) {
	m.worker(pod).set(func(w *worker) {
		if w.pod == nil {
			w.pod = pod.DeepCopy()
		}
		w.kill = &waiting{Reason: reason, Message: message}
	})
}

// Wake syncs the pod soon, e.g. when a probe result changed.
func (m *Manager) Wake(podUID types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w, ok := m.workers[podUID]; ok {
		w.poke()
	}
}

// worker returns the pod's worker, creating (and, once running, starting) it.
func (m *Manager) worker(pod *v1.Pod) *worker {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.workers[pod.UID]
	if !ok {
		w = newWorker(pod.UID)
		m.workers[pod.UID] = w
		if m.ctx != nil {
			m.start(w)
		}
	}
	return w
}

// start runs w's goroutine; m.mu is held.
func (m *Manager) start(w *worker) {
	if w.started {
		return
	}
	w.started = true
	ctx := m.ctx
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
			}
			finished := m.syncSafe(ctx, w)
			w.idleTicks.Store(0)
			w.settled.Store(settled(w.lastStatus, w.waiting))
			if finished {
				m.mu.Lock()
				delete(m.workers, w.uid)
				m.mu.Unlock()
				return
			}
		}
	}()
}
