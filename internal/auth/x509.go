package auth

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// X509 authenticates TLS client certificates signed by Roots: the user is the
// subject's common name, the groups its organizations.
type X509 struct {
	Roots *x509.CertPool
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// verified remembers chains already checked (keyed by the leaf's DER):
	// verifying on every request cost a tenth of the server's CPU.
	verified sync.Map // string -> verifiedCert
}

// verifiedCert is a cached verification, good until the leaf expires.
type verifiedCert struct {
	user     *User
	notAfter time.Time
}

// Authenticate implements Authenticator.
func (a *X509) Authenticate(r *http.Request) (*User, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, false, nil
	}
	leaf := r.TLS.PeerCertificates[0]
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	key := string(leaf.Raw)
	if v, ok := a.verified.Load(key); ok && len(r.TLS.PeerCertificates) == 1 {
		if vc := v.(verifiedCert); now.Before(vc.notAfter) {
			return vc.user.clone(), true, nil
		}
		a.verified.Delete(key)
	}
	opts := x509.VerifyOptions{
		Roots:         a.Roots,
		Intermediates: x509.NewCertPool(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if a.Now != nil {
		opts.CurrentTime = a.Now()
	}
	for _, c := range r.TLS.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return nil, false, fmt.Errorf("verify client certificate %q: %w", leaf.Subject.CommonName, err)
	}
	if leaf.Subject.CommonName == "" {
		return nil, false, errors.New("verify client certificate: empty common name")
	}
	groups := slices.Clone(leaf.Subject.Organization)
	u := &User{Name: leaf.Subject.CommonName, Groups: withGroup(groups, GroupAuthenticated)}
	if len(r.TLS.PeerCertificates) == 1 {
		a.verified.Store(key, verifiedCert{user: u.clone(), notAfter: leaf.NotAfter})
	}
	return u, true, nil
}
