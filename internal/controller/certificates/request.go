package certificates

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
)

const (
	// NodeUserPrefix and NodesGroup make a node's identity:
	// system:node:<name> in system:nodes.
	NodeUserPrefix = "system:node:"
	NodesGroup     = "system:nodes"
)

// ParseRequest decodes and checks the PKCS#10 request of csr.
func ParseRequest(csr *certificatesv1.CertificateSigningRequest) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode(csr.Spec.Request)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("spec.request is not a PEM CERTIFICATE REQUEST")
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse spec.request: %w", err)
	}
	if err := req.CheckSignature(); err != nil {
		return nil, fmt.Errorf("spec.request signature: %w", err)
	}
	return req, nil
}

// Condition reports whether csr has a condition of type t with status True
// (an empty status counts as True, as the API defaults it).
func Condition(csr *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) bool {
	for _, c := range csr.Status.Conditions {
		if c.Type == t && (c.Status == "" || c.Status == corev1.ConditionTrue) {
			return true
		}
	}
	return false
}

// Issued reports whether a certificate has been written.
func Issued(csr *certificatesv1.CertificateSigningRequest) bool {
	return len(csr.Status.Certificate) > 0
}

// Usage sets every kubernetes.io node signer allows: what the certificate
// must be for, and what else it may carry.
var (
	clientAllowed  = []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, certificatesv1.UsageClientAuth}
	servingAllowed = []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, certificatesv1.UsageServerAuth}
)

// usageProblem says why usages are not within allowed or lack required.
func usageProblem(usages, allowed []certificatesv1.KeyUsage, required certificatesv1.KeyUsage) string {
	for _, u := range usages {
		if !slices.Contains(allowed, u) {
			return fmt.Sprintf("usage %q is not allowed (allowed: %s)", u, joinUsages(allowed))
		}
	}
	if !slices.Contains(usages, required) {
		return fmt.Sprintf("usages must include %q", required)
	}
	return ""
}

func joinUsages(us []certificatesv1.KeyUsage) string {
	s := make([]string, len(us))
	for i, u := range us {
		s[i] = string(u)
	}
	return strings.Join(s, ", ")
}

// nodeSubjectProblem checks CN=system:node:<name>, O=system:nodes.
func nodeSubjectProblem(req *x509.CertificateRequest) string {
	if name, ok := strings.CutPrefix(req.Subject.CommonName, NodeUserPrefix); !ok || name == "" {
		return fmt.Sprintf("subject common name %q must be %s<node name>", req.Subject.CommonName, NodeUserPrefix)
	}
	if !slices.Equal(req.Subject.Organization, []string{NodesGroup}) {
		return fmt.Sprintf("subject organization %v must be [%s]", req.Subject.Organization, NodesGroup)
	}
	return ""
}

// NodeClientProblem says why a request does not fit the
// kube-apiserver-client-kubelet signer, or "" when it does: a node's
// subject, no subject alternative names, client usages only.
func NodeClientProblem(req *x509.CertificateRequest, usages []certificatesv1.KeyUsage) string {
	if p := nodeSubjectProblem(req); p != "" {
		return p
	}
	if len(req.DNSNames)+len(req.IPAddresses)+len(req.EmailAddresses)+len(req.URIs) > 0 {
		return "a node client certificate may not have subject alternative names"
	}
	return usageProblem(usages, clientAllowed, certificatesv1.UsageClientAuth)
}

// NodeServingProblem says why a request does not fit the kubelet-serving
// signer, or "" when it does: a node's subject, at least one DNS or IP
// name and no other kind, server usages only.
func NodeServingProblem(req *x509.CertificateRequest, usages []certificatesv1.KeyUsage) string {
	if p := nodeSubjectProblem(req); p != "" {
		return p
	}
	if len(req.EmailAddresses)+len(req.URIs) > 0 {
		return "a node serving certificate may only name DNS names and IP addresses"
	}
	if len(req.DNSNames)+len(req.IPAddresses) == 0 {
		return "a node serving certificate must name at least one DNS name or IP address"
	}
	return usageProblem(usages, servingAllowed, certificatesv1.UsageServerAuth)
}

// ClientProblem says why a request does not fit the kube-apiserver-client
// signer, or "" when it does: any subject, client usages only.
func ClientProblem(req *x509.CertificateRequest, usages []certificatesv1.KeyUsage) string {
	if req.Subject.CommonName == "" {
		return "subject common name must name the user"
	}
	return usageProblem(usages, clientAllowed, certificatesv1.UsageClientAuth)
}
