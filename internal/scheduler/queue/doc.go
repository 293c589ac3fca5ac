// Package queue holds the pods waiting to be scheduled: an active heap
// ordered by priority then arrival, a backoff heap for pods that failed
// recently (1 s doubling to 10 s per attempt), and a parking lot of
// unschedulable pods that wait for a cluster change, or at most a minute,
// before they are tried again, so a pod that cannot fit costs no CPU.
// Time comes from an injected clock.
package queue
