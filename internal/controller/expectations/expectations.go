package expectations

import (
	"sync"
	"time"
)

// TTL bounds how long a lost watch event can stall an owner: past it, the
// owner is synced anyway and the relist shows the true state.
const TTL = 5 * time.Minute

// Expectations holds the outstanding creations and deletions per owner key.
// It is safe for concurrent use by workers and informer handlers.
type Expectations struct {
	mu    sync.Mutex
	items map[string]*pending
}

type pending struct {
	adds, dels int
	at         time.Time
}

// New returns empty expectations.
func New() *Expectations { return &Expectations{items: map[string]*pending{}} }

// Expect replaces what key waits for with adds creations and dels
// deletions issued at now.
func (e *Expectations) Expect(key string, adds, dels int, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.items[key] = &pending{adds: adds, dels: dels, at: now}
}

// Observe lowers the outstanding counts by seen (or abandoned) creations
// and deletions.
func (e *Expectations) Observe(key string, adds, dels int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.items[key]; ok {
		p.adds -= adds
		p.dels -= dels
	}
}

// Satisfied reports whether key may be synced from the cache: nothing is
// outstanding, or what is outstanding is older than TTL.
func (e *Expectations) Satisfied(key string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.items[key]
	return !ok || (p.adds <= 0 && p.dels <= 0) || now.Sub(p.at) > TTL
}

// Forget drops key, once its owner is gone.
func (e *Expectations) Forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.items, key)
}

// PendingAdds is how many expected creations the informer has not shown.
func (e *Expectations) PendingAdds(key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.items[key]; ok && p.adds > 0 {
		return p.adds
	}
	return 0
}
