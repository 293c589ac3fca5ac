package pods

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// worker is one pod's state between syncs. The fields under mu are what the
// informer and eviction tell it; the rest belongs to its goroutine alone.
type worker struct {
	uid     types.UID
	wake    chan struct{}
	started bool // guarded by Manager.mu

	mu      sync.Mutex
	pod     *v1.Pod
	deleted bool
	kill    *waiting
	done    bool // finished or killed: nothing left to restart

	// settled and idleTicks let the resync loop skip pods with nothing
	// pending; the goroutine sets settled after each sync.
	settled   atomic.Bool
	idleTicks atomic.Int32

	// Goroutine-owned.
	waiting    map[string]waiting
	lastStatus *v1.PodStatus
	killed     bool
}

func newWorker(uid types.UID) *worker {
	return &worker{uid: uid, wake: make(chan struct{}, 1), waiting: map[string]waiting{}}
}

// poke asks for a sync without blocking; one pending wake is enough.
func (w *worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// set changes the worker's inputs under its lock and asks for a sync.
func (w *worker) set(f func(*worker)) {
	w.mu.Lock()
	f(w)
	w.mu.Unlock()
	w.poke()
}

// inputs returns what the next sync works from.
func (w *worker) inputs() (pod *v1.Pod, deleted bool, kill *waiting) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod, w.deleted, w.kill
}

// quiet reports a pod with nothing left to do until its object changes.
func (w *worker) quiet() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.done && !w.deleted && (w.pod == nil || w.pod.DeletionTimestamp == nil)
}

func (w *worker) isDone() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.done
}

func (w *worker) setDone() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

// syncSafe runs one sync, turning a panic into a logged error so one pod's
// bug cannot take the agent down; it reports whether the worker is finished.
func (m *Manager) syncSafe(ctx context.Context, w *worker) (finished bool) {
	defer func() {
		if r := recover(); r != nil {
			m.log.Error("Pod worker panicked", "podUID", w.uid, "err", fmt.Errorf("%v", r), "stack", string(debug.Stack()))
			finished = false
		}
	}()
	finished, err := m.sync(ctx, w)
	if err != nil {
		m.log.Error("Sync pod failed", "podUID", w.uid, "err", err)
	}
	return finished
}
