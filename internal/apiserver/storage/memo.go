package storage

import (
	"slices"
	"sync"
	"unsafe"
	"weak"
)

// Memo keeps the encodings of one watch event's object, so that the
// watchers sharing the event encode it once per format rather than once
// each. Encodings are held weakly: once every watcher has written its copy,
// the garbage collector may drop them, so events kept for replay do not pin
// their encodings in memory (a late replay encodes again).
//
// A nil *Memo is valid and caches nothing.
type Memo struct {
	mu sync.Mutex
	// Events stay in the cache's event window long after their watchers
	// wrote them, so the memo is kept small: a slice, as few formats meet.
	held []memoEntry
}

// memoEntry points weakly into an encoding: every caller's slice keeps it
// alive, and nothing else does.
type memoEntry struct {
	key   string
	first weak.Pointer[byte]
	n     int
}

// Do returns the encoding named key, calling encode when it is not held.
// Concurrent callers with the same key wait for the first one's encoding.
// The returned bytes are shared: read-only.
func (m *Memo) Do(key string, encode func() ([]byte, error)) ([]byte, error) {
	if m == nil {
		return encode()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.held, func(e memoEntry) bool { return e.key == key })
	if i >= 0 {
		if p := m.held[i].first.Value(); p != nil {
			return unsafe.Slice(p, m.held[i].n), nil
		}
	}
	data, err := encode()
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return data, nil
	}
	e := memoEntry{key: key, first: weak.Make(&data[0]), n: len(data)}
	if i >= 0 {
		m.held[i] = e
	} else {
		m.held = append(m.held, e)
	}
	return data, nil
}
