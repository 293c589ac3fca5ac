// Package certificates judges CertificateSigningRequests for the
// kubernetes.io signers Bosun runs: whether a request is a well-formed node
// client or node serving request, and where it stands (approved, denied,
// failed, issued). The approver (csrapproving) and the signer (csrsigning)
// both decide with these pure functions; neither does any I/O here.
package certificates
