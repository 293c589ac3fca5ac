// Package reconcile owns the work loop that every queue-driven controller
// shares: wait for the informer caches, run workers that take a key, sync
// it (a panic becomes an error), forget it on success and requeue it rate
// limited on error; the handler that skips resyncs of unchanged objects;
// and the function that turns an informer object, or its deletion
// tombstone, into its namespace/name key. Controllers keep their own sync,
// their own mapping from related objects to keys, and their own queue.
package reconcile
