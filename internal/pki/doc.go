// Package pki owns the server's certificate authority and the key pairs made
// from it: the API serving certificate, the admin and kubelet-client client
// certificates, and the service-account token signing key. They are created in
// the data dir on first start and loaded on every start after, so kubeconfigs
// and tokens handed out earlier stay valid.
package pki
