// Package daemonset runs one pod of each DaemonSet on every eligible node,
// as the Kubernetes daemonset controller does: eligibility follows the
// pod's nodeSelector, required node affinity and tolerations (plus the
// tolerations every daemon pod gets), pods are pinned to their node by a
// required node affinity on metadata.name so the scheduler places them,
// and templates roll out by RollingUpdate (maxUnavailable, maxSurge) or
// OnDelete, with ControllerRevisions kept by the history package.
package daemonset
