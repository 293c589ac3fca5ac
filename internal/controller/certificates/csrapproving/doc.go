// Package csrapproving approves node certificate requests, as Kubernetes'
// csrapproving controller does for kubelet TLS bootstrap: client
// certificates asked for by a bootstrap token user (a new node) or by the
// node itself (renewal), and serving certificates asked for by the node
// they name. Everything else is left for a human (kubectl certificate
// approve/deny).
package csrapproving
