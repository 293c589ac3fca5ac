package storage

import "log/slog"

// watcherSet indexes watchers by prefix so an event reaches only the
// watchers of prefixes of its key. The Store's mu guards it.
type watcherSet struct {
	byPrefix map[string]map[*watcher]struct{} // prefixes ending in "/"
	other    map[*watcher]struct{}            // any other prefix
	n        int
}

func newWatcherSet() watcherSet {
	return watcherSet{byPrefix: map[string]map[*watcher]struct{}{}, other: map[*watcher]struct{}{}}
}

func (ws *watcherSet) add(w *watcher) {
	ws.n++
	if p := w.prefix; p != "" && p[len(p)-1] == '/' {
		m := ws.byPrefix[p]
		if m == nil {
			m = map[*watcher]struct{}{}
			ws.byPrefix[p] = m
		}
		m[w] = struct{}{}
		return
	}
	ws.other[w] = struct{}{}
}

// remove reports whether w was in the set.
func (ws *watcherSet) remove(w *watcher) bool {
	if m := ws.byPrefix[w.prefix]; m != nil {
		if _, ok := m[w]; ok {
			delete(m, w)
			if len(m) == 0 {
				delete(ws.byPrefix, w.prefix)
			}
			ws.n--
			return true
		}
	}
	if _, ok := ws.other[w]; ok {
		delete(ws.other, w)
		ws.n--
		return true
	}
	return false
}

// dispatch queues e for every watcher of a prefix of e.key. A watcher whose
// queue is full is dropped and its queue closed: it ends after what it has.
func (ws *watcherSet) dispatch(e *event, log *slog.Logger) {
	if ws.n == 0 {
		return
	}
	for i := 0; i < len(e.key); i++ {
		if e.key[i] != '/' {
			continue
		}
		for w := range ws.byPrefix[e.key[:i+1]] {
			ws.offer(w, e, log)
		}
	}
	for w := range ws.other {
		if hasPrefix(e.key, w.prefix) {
			ws.offer(w, e, log)
		}
	}
}

func (ws *watcherSet) offer(w *watcher, e *event, log *slog.Logger) {
	select {
	case w.in <- e:
	default:
		log.Warn("Closing watcher that fell behind", "prefix", w.prefix, "queued", len(w.in))
		ws.remove(w)
		close(w.in)
	}
}

// bookmark queues e for watchers that allow bookmarks, skipping full queues.
func (ws *watcherSet) bookmark(e *event) {
	ws.each(func(w *watcher) {
		if w.bookmarks {
			select {
			case w.in <- e:
			default:
			}
		}
	})
}

// closeAll ends every watcher.
func (ws *watcherSet) closeAll() {
	ws.each(func(w *watcher) { close(w.in) })
	*ws = newWatcherSet()
}

func (ws *watcherSet) each(fn func(*watcher)) {
	for _, m := range ws.byPrefix {
		for w := range m {
			fn(w)
		}
	}
	for w := range ws.other {
		fn(w)
	}
}
