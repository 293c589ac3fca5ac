// Package scheduler assigns pending pods to nodes, as kube-scheduler does:
// informer events feed a node cache and a scheduling queue, one loop pops
// the highest-priority pod, runs the filter and score chain of package
// framework against an incrementally updated snapshot, assumes the pod onto
// the chosen node and binds it through pods/binding in the background.
// Pods no node can take get kube-scheduler's FailedScheduling event and
// PodScheduled condition, may preempt lower-priority pods, and are parked
// until the cluster changes.
package scheduler
