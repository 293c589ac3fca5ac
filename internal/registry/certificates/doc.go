// Package certificates holds the validation, table and field rules of the
// certificates.k8s.io API group (CertificateSigningRequest), matching
// kube-apiserver for certificates/v1.
package certificates
