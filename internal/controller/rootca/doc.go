// Package rootca publishes the cluster CA as the ConfigMap kube-root-ca.crt
// in every namespace, restoring it when it is edited or deleted, as the
// Kubernetes root-ca-cert-publisher does. Pods mount it (through projected
// service account volumes) to verify the API server.
package rootca
