package csrsigning

import (
	"crypto/x509"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"

	"github.com/bosun-dev/bosun/internal/controller/certificates"
)

const (
	// DefaultTTL is an issued certificate's lifetime when the request names
	// none (kube-controller-manager's --cluster-signing-duration default).
	DefaultTTL = 365 * 24 * time.Hour
	// MinTTL is the shortest lifetime spec.expirationSeconds may ask for.
	MinTTL = 10 * time.Minute
	// FailureReason marks a request the signer refuses.
	FailureReason = "SignerValidationFailure"
)

// rules are the request checks of each signer this controller runs.
var rules = map[string]func(*x509.CertificateRequest, []certificatesv1.KeyUsage) string{
	certificatesv1.KubeAPIServerClientKubeletSignerName: certificates.NodeClientProblem,
	certificatesv1.KubeletServingSignerName:             certificates.NodeServingProblem,
	certificatesv1.KubeAPIServerClientSignerName:        certificates.ClientProblem,
}

// Pending reports whether csr is for one of our signers, approved, and
// neither denied, failed nor issued yet.
func Pending(csr *certificatesv1.CertificateSigningRequest) bool {
	_, ours := rules[csr.Spec.SignerName]
	return ours &&
		certificates.Condition(csr, certificatesv1.CertificateApproved) &&
		!certificates.Condition(csr, certificatesv1.CertificateDenied) &&
		!certificates.Condition(csr, certificatesv1.CertificateFailed) &&
		!certificates.Issued(csr)
}

// Check parses csr's request and checks it against its signer's rules; a
// non-empty failure is why the request can never be signed.
func Check(csr *certificatesv1.CertificateSigningRequest) (req *x509.CertificateRequest, failure string) {
	req, err := certificates.ParseRequest(csr)
	if err != nil {
		return nil, err.Error()
	}
	if p := rules[csr.Spec.SignerName](req, csr.Spec.Usages); p != "" {
		return nil, p
	}
	return req, ""
}

// TTL is the lifetime to issue: spec.expirationSeconds (at least MinTTL)
// or DefaultTTL. The CA's own expiry caps it when signing.
func TTL(csr *certificatesv1.CertificateSigningRequest) time.Duration {
	s := csr.Spec.ExpirationSeconds
	if s == nil {
		return DefaultTTL
	}
	return max(time.Duration(*s)*time.Second, MinTTL)
}
