// Package podgc is the pod garbage collector ("pod-garbage-collector"):
// every Period it force-deletes (grace 0) pods bound to nodes that no
// longer exist (after a quarantine, confirmed by a live read), terminating
// pods that were never scheduled, terminating pods on NotReady nodes
// tainted node.kubernetes.io/out-of-service, and the oldest terminated
// pods beyond TerminatedPodThreshold. Pods not yet terminal are first
// marked Failed (with DisruptionTarget for orphans), as Kubernetes does.
package podgc
