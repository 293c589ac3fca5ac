// Package tainteviction is Kubernetes' taint eviction controller
// ("taint-eviction-controller"): it deletes pods running on nodes with
// NoExecute taints they do not tolerate at once, and pods that tolerate
// them for tolerationSeconds once that long has passed since the taint's
// timeAdded. Before deleting it records a TaintManagerEviction event and
// the pod condition DisruptionTarget (reason DeletionByTaintManager).
package tainteviction
