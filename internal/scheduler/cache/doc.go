// Package cache is the scheduler's view of the cluster between informer
// events and scheduling cycles: nodes with the pods bound to them, plus
// pods the scheduler assumed onto a node while their binding is in flight,
// so the next pod already sees those resources taken. It hands the
// scheduling loop an incrementally updated framework.Snapshot: only nodes
// that changed since the last cycle are copied.
package cache
