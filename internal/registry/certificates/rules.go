package certificates

import (
	certificatesv1 "k8s.io/api/certificates/v1"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	return registry.RulesSet{
		certificatesv1.SchemeGroupVersion.WithKind("CertificateSigningRequest"): csrRules(),
	}
}
