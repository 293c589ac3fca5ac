// Package discovery holds the defaulting, validation and table rules of the
// discovery.k8s.io API group (EndpointSlice), matching kube-apiserver for
// discovery/v1.
package discovery
