package csrapproving

import (
	"slices"

	certificatesv1 "k8s.io/api/certificates/v1"

	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/controller/certificates"
)

// The messages Kubernetes' approver writes, so tools matching them work.
const (
	Reason         = "AutoApproved"
	ClientMessage  = "Auto approving kubelet client certificate after SubjectAccessReview."
	ServingMessage = "Auto approving kubelet serving certificate after SubjectAccessReview."
)

// Decide returns the approval message for a CSR the approver approves, or
// "" and why it leaves the CSR alone.
func Decide(csr *certificatesv1.CertificateSigningRequest) (message, skip string) {
	if certificates.Condition(csr, certificatesv1.CertificateApproved) || certificates.Condition(csr, certificatesv1.CertificateDenied) {
		return "", "already decided"
	}
	if certificates.Issued(csr) {
		return "", "already issued"
	}
	switch csr.Spec.SignerName {
	case certificatesv1.KubeAPIServerClientKubeletSignerName, certificatesv1.KubeletServingSignerName:
	default:
		return "", "signer " + csr.Spec.SignerName + " is not approved automatically"
	}
	req, err := certificates.ParseRequest(csr)
	if err != nil {
		return "", err.Error()
	}
	spec := csr.Spec
	if spec.SignerName == certificatesv1.KubeletServingSignerName {
		if p := certificates.NodeServingProblem(req, spec.Usages); p != "" {
			return "", p
		}
		// Only the node itself may have a certificate served in its name.
		if spec.Username != req.Subject.CommonName {
			return "", "requested by " + spec.Username + ", not the node " + req.Subject.CommonName
		}
		return ServingMessage, ""
	}
	if p := certificates.NodeClientProblem(req, spec.Usages); p != "" {
		return "", p
	}
	// A bootstrap token user may ask for any node's first certificate (it
	// cannot yet be that node); a node may renew only its own.
	if !slices.Contains(spec.Groups, auth.GroupBootstrappers) && spec.Username != req.Subject.CommonName {
		return "", "requested by " + spec.Username + ", neither a bootstrap token nor the node " + req.Subject.CommonName
	}
	return ClientMessage, ""
}
