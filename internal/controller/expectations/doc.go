// Package expectations remembers the pod creations and deletions a
// controller has asked for but its informer has not yet shown, so a sync
// running on a stale cache does not create or delete the same pods twice.
// The DaemonSet and Job controllers share it; the ReplicaSet controller
// keeps its own, which names each expected deletion.
package expectations
