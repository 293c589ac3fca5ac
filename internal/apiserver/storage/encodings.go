package storage

import "sync"

// Encodings keeps the serialized forms of one cached object version, so
// that lists served from the cache encode each object once per format
// rather than once per list (kube-apiserver's CachingObject does the same
// for watch events). A cache entry is replaced, never changed, when its
// object changes, so what is held here stays the encoding of that version.
//
// Unlike Memo, encodings are held strongly: a list of 10,000 pods would
// otherwise lose them to the first garbage collection it causes. Only
// formats somebody asked for are held.
//
// A nil *Encodings is valid and caches nothing.
type Encodings struct {
	mu   sync.Mutex
	held []encoding // few formats meet: a slice
}

type encoding struct {
	format string
	data   []byte
}

// Do returns the encoding named format, calling encode when it is not held.
// encode runs without the lock: concurrent first callers may each encode,
// and the first result stored is the one every caller gets from then on.
// The returned bytes are shared: read-only.
func (c *Encodings) Do(format string, encode func() ([]byte, error)) ([]byte, error) {
	if c == nil {
		return encode()
	}
	if data, ok := c.get(format); ok {
		return data, nil
	}
	data, err := encode()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.held {
		if e.format == format {
			return e.data, nil
		}
	}
	c.held = append(c.held, encoding{format: format, data: data})
	return data, nil
}

func (c *Encodings) get(format string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.held {
		if e.format == format {
			return e.data, true
		}
	}
	return nil, false
}
