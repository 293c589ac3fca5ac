package replicaset

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// expectationsTimeout is how long a controller waits for the informer to
// report its creates and deletes before assuming they were lost (a watch
// event dropped across an API server restart) and syncing anyway; the
// relist that follows a restart then shows the true state.
const expectationsTimeout = 5 * time.Minute

// expectations counts, per ReplicaSet key, the pod creations and names the
// pod deletions that a sync issued and the informer has not yet shown.
type expectations struct {
	clock clock.PassiveClock
	mu    sync.Mutex
	m     map[string]*expectation
}

type expectation struct {
	adds    int
	deletes map[string]struct{}
	set     time.Time
}

func newExpectations(c clock.PassiveClock) *expectations {
	return &expectations{clock: c, m: map[string]*expectation{}}
}

// satisfied reports whether rsKey may be synced with the informer's view:
// nothing is outstanding, or what is outstanding has timed out.
func (e *expectations) satisfied(rsKey string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[rsKey]
	if !ok {
		return true
	}
	if x.adds <= 0 && len(x.deletes) == 0 {
		return true
	}
	return e.clock.Since(x.set) > expectationsTimeout
}

func (e *expectations) expectCreations(rsKey string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[rsKey] = &expectation{adds: n, set: e.clock.Now()}
}

func (e *expectations) expectDeletions(rsKey string, podKeys []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{deletes: make(map[string]struct{}, len(podKeys)), set: e.clock.Now()}
	for _, k := range podKeys {
		x.deletes[k] = struct{}{}
	}
	e.m[rsKey] = x
}

// creationObserved is called for every pod the informer adds and for every
// create that failed, so the count reaches zero either way.
func (e *expectations) creationObserved(rsKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[rsKey]; ok && x.adds > 0 {
		x.adds--
	}
}

// deletionObserved is keyed by pod so that a pod seen twice (an update that
// sets deletionTimestamp, then the delete) is only counted once.
func (e *expectations) deletionObserved(rsKey, podKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[rsKey]; ok {
		delete(x.deletes, podKey)
	}
}

func (e *expectations) forget(rsKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, rsKey)
}
