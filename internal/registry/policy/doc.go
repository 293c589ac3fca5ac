// Package policy holds the validation and table rules of the policy API
// group (PodDisruptionBudget), matching kube-apiserver for policy/v1.
package policy
