// Package join is the node side of TLS bootstrap, as kubeadm join and
// kubelet do it: with a bootstrap token and a pin of the cluster CA's key,
// a new node fetches cluster-info, checks the CA against the pin, asks for
// a client certificate through a CertificateSigningRequest and waits for it
// to be issued, then (as itself) asks for a serving certificate. The result
// is a kubeconfig and certificates in the agent's data dir; later starts
// reuse them and need no token.
package join
