// Package reconcile owns the work loop that every queue-driven controller
// shares: wait for the informer caches, run workers that take a key, sync
// it (a panic becomes an error), forget it on success and requeue it rate
// limited on error; and the handler that turns an informer object into its
// namespace/name key. Controllers keep their own sync, handlers and queue.
package reconcile
