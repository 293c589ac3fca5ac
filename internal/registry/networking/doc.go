// Package networking holds the defaulting, validation and table rules of the
// networking.k8s.io API group (NetworkPolicy, Ingress, IngressClass),
// matching kube-apiserver for networking/v1.
package networking
