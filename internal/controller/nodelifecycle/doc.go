// Package nodelifecycle is the node controller ("node-controller"): it
// watches node Leases and Ready conditions, marks a node's conditions
// Unknown ("Kubelet stopped posting node status.") when neither was renewed
// within the grace period, and keeps the condition taints in step:
// node.kubernetes.io/not-ready and unreachable (NoSchedule and NoExecute),
// the pressure taints, and node.kubernetes.io/unschedulable mirroring
// spec.unschedulable. Evicting pods from NoExecute-tainted nodes is the
// tainteviction package's job.
//
// Not done, unlike Kubernetes: zone disruption states and eviction rate
// limits (a whole zone going dark is tainted like any single node).
package nodelifecycle
