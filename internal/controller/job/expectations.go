package job

import (
	"sync"
	"time"
)

// expectationTTL bounds how long a lost watch event can stall a job.
const expectationTTL = 5 * time.Minute

// expectations remembers pod creations and deletions a job has asked for
// but its informer has not yet seen, so a sync running on a stale cache
// does not create the same pods twice.
type expectations struct {
	mu    sync.Mutex
	items map[string]*pending
}

type pending struct {
	adds, dels int
	at         time.Time
}

func newExpectations() *expectations { return &expectations{items: map[string]*pending{}} }

func (e *expectations) expect(key string, adds, dels int, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.items[key] = &pending{adds: adds, dels: dels, at: now}
}

// observe lowers the outstanding counts by one seen creation or deletion.
func (e *expectations) observe(key string, adds, dels int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.items[key]; ok {
		p.adds -= adds
		p.dels -= dels
	}
}

func (e *expectations) satisfied(key string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.items[key]
	return !ok || (p.adds <= 0 && p.dels <= 0) || now.Sub(p.at) > expectationTTL
}

func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.items, key)
}

// pendingAdds is how many expected creations the informer has not shown.
func (e *expectations) pendingAdds(key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.items[key]; ok && p.adds > 0 {
		return p.adds
	}
	return 0
}
