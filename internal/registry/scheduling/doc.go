// Package scheduling holds the defaulting, validation and table rules of the
// scheduling.k8s.io API group (PriorityClass), matching kube-apiserver for
// scheduling/v1.
package scheduling
