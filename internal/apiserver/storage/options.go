package storage

import (
	"log/slog"
	"time"
)

// Options tune a Store. Zero values take the defaults.
type Options struct {
	// EventWindow is how many recent events the watch cache keeps so that a
	// watch may start at an older resourceVersion. Default 10,000.
	EventWindow int
	// WatchBuffer is how many events may wait for one watcher; a watcher that
	// falls further behind has its channel closed (its client re-watches).
	// Default 1,000.
	WatchBuffer int
	// BookmarkInterval is how often watchers that allow bookmarks get one.
	// Default 1 minute.
	BookmarkInterval time.Duration
	// CompactInterval is how often etcd's history is compacted, to the revision
	// seen one interval earlier, so between one and two intervals of history
	// stay readable. Default 5 minutes; negative disables compaction.
	CompactInterval time.Duration
	// FreshTimeout bounds how long a consistent list, or a list or watch at a
	// resourceVersion the cache has not reached, waits for the watch cache.
	// Default 3 seconds.
	FreshTimeout time.Duration
	// Logger receives the store's few logs. Default slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.EventWindow <= 0 {
		o.EventWindow = 10000
	}
	if o.WatchBuffer <= 0 {
		o.WatchBuffer = 1000
	}
	if o.BookmarkInterval <= 0 {
		o.BookmarkInterval = time.Minute
	}
	if o.CompactInterval == 0 {
		o.CompactInterval = 5 * time.Minute
	}
	if o.FreshTimeout <= 0 {
		o.FreshTimeout = 3 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
