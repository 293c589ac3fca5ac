// Package csrsigning issues certificates from the cluster CA for approved
// CertificateSigningRequests of the kubernetes.io signers for node client
// certificates (kube-apiserver-client-kubelet), node serving certificates
// (kubelet-serving) and API client certificates (kube-apiserver-client), as
// kube-controller-manager's csrsigning controller does. Requests that break
// their signer's rules are marked Failed; other signers are left alone.
package csrsigning
