package daemonset

import (
	"sync"
	"time"
)

// Failed daemon pods are replaced after a delay that doubles per failure
// on the same node, so a pod that crashes at once does not spin the
// controller and the API server (Kubernetes uses the same bounds).
const (
	failedPodBackoffBase = time.Second
	failedPodBackoffMax  = 15 * time.Minute
)

// failureBackoff remembers, per DaemonSet and node, until when a failed
// pod's replacement must wait.
type failureBackoff struct {
	mu    sync.Mutex
	items map[string]backoffEntry
}

type backoffEntry struct {
	delay time.Duration
	until time.Time
}

func newFailureBackoff() *failureBackoff {
	return &failureBackoff{items: map[string]backoffEntry{}}
}

// failed records a failure at now and returns how long to wait.
func (b *failureBackoff) failed(id string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.items[id]
	switch {
	case e.delay == 0 || now.Sub(e.until) > 2*failedPodBackoffMax:
		// First failure, or the last one is long forgotten.
		e.delay = failedPodBackoffBase
	default:
		e.delay = min(e.delay*2, failedPodBackoffMax)
	}
	e.until = now.Add(e.delay)
	b.items[id] = e
	return e.delay
}

// waiting is how much of the delay is left at now; zero when none.
func (b *failureBackoff) waiting(id string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.items[id]
	if !ok || !now.Before(e.until) {
		return 0
	}
	return e.until.Sub(now)
}
