// Package coordination holds the validation and table rules of the
// coordination.k8s.io API group (Lease), matching kube-apiserver for
// coordination/v1.
package coordination
