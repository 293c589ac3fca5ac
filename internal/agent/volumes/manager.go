package volumes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Config configures a Manager.
type Config struct {
	// PodsDir is <data>/pods; a pod's volumes live in <PodsDir>/<uid>/volumes.
	PodsDir string
	// Client reads claims, volumes and the node, and requests tokens.
	Client kubernetes.Interface
	// Factory supplies the ConfigMap, Secret and PersistentVolume
	// informers. NewManager registers them; the caller starts the factory.
	// Until they sync, Setup reads ConfigMaps and Secrets through Client.
	Factory informers.SharedInformerFactory
	// NodeName is this node: downward API limits default to its
	// allocatable, and it cleans up local-path volumes provisioned on it.
	NodeName string
	// Recorder records FailedMount when a background refresh fails.
	Recorder record.EventRecorder
	// Log defaults to slog.Default().
	Log *slog.Logger
	// Clock defaults to the real clock.
	Clock clock.WithTicker
	// ResyncInterval is how often every pod's API-backed volumes are
	// rewritten if stale and tokens renewed (default 1 minute).
	ResyncInterval time.Duration
	// TmpfsSize caps the tmpfs under secret and projected volumes, in
	// bytes (default 64 MiB).
	TmpfsSize int64
}

// Manager sets up, refreshes and tears down pods' volumes.
type Manager struct {
	cfg        Config
	log        *slog.Logger
	clock      clock.WithTicker
	tokens     *tokens
	configMaps listerscorev1.ConfigMapLister
	secrets    listerscorev1.SecretLister
	pvs        listerscorev1.PersistentVolumeLister
	synced     []cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[types.UID]
	cleanups   workqueue.TypedRateLimitingInterface[string]

	mu   sync.Mutex
	pods map[types.UID]*podState

	nodeMu   sync.Mutex
	node     *corev1.Node
	nodeTime time.Time
}

// podState is what Setup learnt about one pod, so that the next Setup
// with nothing changed does no I/O beyond hashing payloads.
type podState struct {
	mu      sync.Mutex
	pod     *corev1.Pod
	current atomic.Pointer[corev1.Pod] // pod, readable without mu by event handlers
	paths   map[string]string          // settled volumes: name → host path
	written map[string]uint64          // API-backed volumes: name → payload hash on disk
	lastErr string                     // last background refresh error, to record it once
}

// NewManager returns a Manager; call Run to keep volumes current.
func NewManager(cfg Config) *Manager {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.ResyncInterval <= 0 {
		cfg.ResyncInterval = time.Minute
	}
	if cfg.TmpfsSize <= 0 {
		cfg.TmpfsSize = 64 << 20
	}
	m := &Manager{
		cfg: cfg, log: cfg.Log, clock: cfg.Clock,
		tokens: newTokens(cfg.Client, cfg.Clock),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[types.UID](),
			workqueue.TypedRateLimitingQueueConfig[types.UID]{Name: "volume_refresh"}),
		cleanups: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "local_path_cleanup"}),
		pods: map[types.UID]*podState{},
	}
	if cfg.Factory != nil {
		m.watch(cfg.Factory)
	}
	return m
}

func (m *Manager) podDir(uid types.UID) string { return filepath.Join(m.cfg.PodsDir, string(uid)) }

func (m *Manager) volumeDir(uid types.UID, kind, name string) string {
	return filepath.Join(m.podDir(uid), "volumes", "kubernetes.io~"+kind, name)
}

func (m *Manager) state(uid types.UID) *podState {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.pods[uid]
	if !ok {
		s = &podState{paths: map[string]string{}, written: map[string]uint64{}}
		m.pods[uid] = s
	}
	return s
}

// Setup makes every volume of pod ready and returns volume name → host
// path for the container mounts. It is called on every pod sync: settled
// volumes are not touched again, API-backed ones are rewritten only when
// their content changed. Each failing volume contributes one error in
// kubelet's words; the map then holds the volumes that did succeed.
func (m *Manager) Setup(ctx context.Context, pod *corev1.Pod) (map[string]string, error) {
	s := m.state(pod.UID)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pod = pod
	s.current.Store(pod)
	return m.setup(ctx, s)
}

func (m *Manager) setup(ctx context.Context, s *podState) (map[string]string, error) {
	pod := s.pod
	paths := make(map[string]string, len(pod.Spec.Volumes))
	var errs []error
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		if p, ok := s.paths[v.Name]; ok {
			paths[v.Name] = p
			continue
		}
		p, err := m.setupVolume(ctx, s, v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		paths[v.Name] = p
	}
	return paths, errors.Join(errs...)
}

// Teardown unmounts every mount under the pod's directory and removes it.
// It works from disk alone, so it also cleans up after an agent restart.
func (m *Manager) Teardown(ctx context.Context, podUID types.UID) error {
	m.mu.Lock()
	s := m.pods[podUID]
	delete(m.pods, podUID)
	m.mu.Unlock()
	if s != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		// A refresh queued before the teardown must not set the volumes up again.
		s.pod = nil
		s.current.Store(nil)
	}
	m.tokens.forget(podUID)
	dir := m.podDir(podUID)
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	if err := unmountAll(dir); err != nil {
		return fmt.Errorf("tear down volumes of pod %s: %w", podUID, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove pod dir of %s: %w", podUID, err)
	}
	m.log.Info("Tore down pod volumes", "podUID", podUID)
	return nil
}
