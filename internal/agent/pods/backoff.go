package pods

import (
	"sync"
	"time"
)

// Kubernetes' container restart back-off: 10s doubling to 5 minutes, forgotten
// once a container ran for 10 minutes (twice the cap) since its last restart.
const (
	initialBackoff = 10 * time.Second
	maxBackoff     = 300 * time.Second
)

// backoff tracks per-key restart delays. Time is passed in, so tests replay
// scenarios exactly; the mutex lets the status path read it while a worker
// writes.
type backoff struct {
	initial, max time.Duration
	mu           sync.Mutex
	entries      map[string]backoffEntry
}

type backoffEntry struct {
	delay      time.Duration
	lastUpdate time.Time
}

func newBackoff(initial, max time.Duration) *backoff {
	return &backoff{initial: initial, max: max, entries: map[string]backoffEntry{}}
}

// expired reports whether the entry is too old to count: the thing it tracks
// has been fine for twice the maximum delay.
func (b *backoff) expired(e backoffEntry, at time.Time) bool {
	return at.Sub(e.lastUpdate) > 2*b.max
}

// waiting reports whether restarting key, which last failed at since, must
// still wait at now, and how long the current delay is.
func (b *backoff) waiting(key string, since, now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok || b.expired(e, since) {
		return false, 0
	}
	return now.Sub(since) < e.delay, e.delay
}

// blocked reports whether key, last failed when next was last called, must
// still wait at now.
func (b *backoff) blocked(key string, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	return ok && !b.expired(e, now) && now.Sub(e.lastUpdate) < e.delay
}

// next records a restart at now of key, which last failed at since, and
// grows its delay; a long run before that failure starts it over.
func (b *backoff) next(key string, since, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	switch {
	case !ok || b.expired(e, since):
		e.delay = b.initial
	default:
		e.delay = min(2*e.delay, b.max)
	}
	e.lastUpdate = now
	b.entries[key] = e
}

// forgetPrefix drops every key starting with prefix (a pod's UID).
func (b *backoff) forgetPrefix(prefix string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.entries {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			delete(b.entries, k)
		}
	}
}
