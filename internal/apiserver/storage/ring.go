package storage

import "sort"

// ring keeps the most recent events, oldest first, so a watch can start at a
// recent resourceVersion. It holds every event with revision > floor.
type ring struct {
	buf   []*event
	start int // index of the oldest event
	n     int
	floor int64
}

func newRing(size int) ring { return ring{buf: make([]*event, size)} }

// reset empties the ring; it then holds every event after rev (none yet).
func (r *ring) reset(rev int64) {
	clear(r.buf)
	r.start, r.n, r.floor = 0, 0, rev
}

func (r *ring) at(i int) *event { return r.buf[(r.start+i)%len(r.buf)] }

func (r *ring) push(e *event) {
	if r.n == len(r.buf) {
		// Drop the oldest; what remains is complete only after its revision.
		r.floor = r.buf[r.start].rev
		r.buf[r.start] = nil
		r.start = (r.start + 1) % len(r.buf)
		r.n--
	}
	r.buf[(r.start+r.n)%len(r.buf)] = e
	r.n++
}

// since returns the events after rev matching prefix, or false when some of
// them are no longer kept.
func (r *ring) since(rev int64, prefix string) ([]*event, bool) {
	if rev < r.floor {
		return nil, false
	}
	i := sort.Search(r.n, func(i int) bool { return r.at(i).rev > rev })
	var out []*event
	for ; i < r.n; i++ {
		if e := r.at(i); hasPrefix(e.key, prefix) {
			out = append(out, e)
		}
	}
	return out, true
}

func hasPrefix(key, prefix string) bool {
	return len(key) >= len(prefix) && key[:len(prefix)] == prefix
}
