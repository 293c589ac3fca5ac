package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
)

const (
	// CAValidity is the lifetime of a newly made CA.
	CAValidity = 10 * 365 * 24 * time.Hour
	// LeafValidity is the lifetime of the serving and client certificates
	// Ensure issues; Ensure re-issues them when less than RenewBefore is left.
	LeafValidity = 365 * 24 * time.Hour
	// RenewBefore is how close to expiry a leaf certificate is re-issued.
	RenewBefore = 30 * 24 * time.Hour
	// backdate tolerates clocks of peers that run slightly behind ours.
	backdate = 5 * time.Minute
)

// newKey makes an ECDSA P-256 key: a few tens of microseconds, where RSA 2048
// costs ~100 ms and would dominate server cold start.
func newKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ecdsa key: %w", err)
	}
	return k, nil
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}
	return n, nil
}

func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	sum := sha1.Sum(der) // RFC 5280 method 1 style identifier, not a security use
	return sum[:], nil
}

// newCA makes a self-signed CA certificate and its key.
func newCA(cn string, now time.Time) (*x509.Certificate, []byte, crypto.Signer, error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, nil, nil, err
	}
	skid, err := subjectKeyID(key.Public())
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          skid,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("create ca certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parse ca certificate: %w", err)
	}
	return cert, encodeCert(der), key, nil
}

// sign issues a certificate for pub from tmpl, filling in serial number,
// validity (clamped to the CA's) and key identifiers.
func (b *Bundle) sign(tmpl *x509.Certificate, pub crypto.PublicKey, ttl time.Duration) (*x509.Certificate, []byte, error) {
	if ttl <= 0 {
		return nil, nil, fmt.Errorf("certificate lifetime %v must be positive", ttl)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, nil, err
	}
	now := b.now()
	tmpl.SerialNumber = serial
	tmpl.NotBefore = now.Add(-backdate)
	if tmpl.NotBefore.Before(b.CA.NotBefore) {
		tmpl.NotBefore = b.CA.NotBefore
	}
	tmpl.NotAfter = now.Add(ttl)
	if tmpl.NotAfter.After(b.CA.NotAfter) {
		tmpl.NotAfter = b.CA.NotAfter
	}
	tmpl.BasicConstraintsValid = true
	tmpl.IsCA = false
	tmpl.AuthorityKeyId = b.CA.SubjectKeyId
	if tmpl.KeyUsage == 0 {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		if _, ok := pub.(*rsa.PublicKey); ok {
			tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, b.CA, pub, b.CAKey)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate for %q: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse certificate for %q: %w", tmpl.Subject.CommonName, err)
	}
	return cert, encodeCert(der), nil
}

// issue makes a fresh key and a certificate for it from tmpl.
func (b *Bundle) issue(tmpl *x509.Certificate, ttl time.Duration) (*x509.Certificate, []byte, []byte, error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, nil, err
	}
	cert, certPEM, err := b.sign(tmpl, key.Public(), ttl)
	if err != nil {
		return nil, nil, nil, err
	}
	keyPEM, err := EncodeKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	return cert, certPEM, keyPEM, nil
}

func clientTemplate(cn string, orgs []string) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn, Organization: append([]string(nil), orgs...)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

func servingTemplate(cn string, hosts []string) *x509.Certificate {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return tmpl
}

// IssueClientCert makes a new key and a client certificate for user cn in
// groups orgs, valid for ttl (clamped to the CA's lifetime).
func (b *Bundle) IssueClientCert(cn string, orgs []string, ttl time.Duration) (certPEM, keyPEM []byte, err error) {
	if cn == "" {
		return nil, nil, fmt.Errorf("issue client certificate: empty common name")
	}
	_, certPEM, keyPEM, err = b.issue(clientTemplate(cn, orgs), ttl)
	if err != nil {
		return nil, nil, fmt.Errorf("issue client certificate for %q: %w", cn, err)
	}
	return certPEM, keyPEM, nil
}

// IssueServingCert makes a new key and a serving certificate for hosts (DNS
// names and IPs), such as a node agent's HTTPS endpoint, valid for ttl.
func (b *Bundle) IssueServingCert(cn string, hosts []string, ttl time.Duration) (certPEM, keyPEM []byte, err error) {
	if len(hosts) == 0 {
		return nil, nil, fmt.Errorf("issue serving certificate for %q: no hosts", cn)
	}
	_, certPEM, keyPEM, err = b.issue(servingTemplate(cn, hosts), ttl)
	if err != nil {
		return nil, nil, fmt.Errorf("issue serving certificate for %q: %w", cn, err)
	}
	return certPEM, keyPEM, nil
}

// extKeyUsages maps certificates.k8s.io usages to x509 extended key usages;
// key usages map to the KeyUsage bit field instead.
var extKeyUsages = map[certificatesv1.KeyUsage]x509.ExtKeyUsage{
	certificatesv1.UsageAny:             x509.ExtKeyUsageAny,
	certificatesv1.UsageServerAuth:      x509.ExtKeyUsageServerAuth,
	certificatesv1.UsageClientAuth:      x509.ExtKeyUsageClientAuth,
	certificatesv1.UsageCodeSigning:     x509.ExtKeyUsageCodeSigning,
	certificatesv1.UsageEmailProtection: x509.ExtKeyUsageEmailProtection,
	certificatesv1.UsageSMIME:           x509.ExtKeyUsageEmailProtection,
	certificatesv1.UsageIPsecEndSystem:  x509.ExtKeyUsageIPSECEndSystem,
	certificatesv1.UsageIPsecTunnel:     x509.ExtKeyUsageIPSECTunnel,
	certificatesv1.UsageIPsecUser:       x509.ExtKeyUsageIPSECUser,
	certificatesv1.UsageTimestamping:    x509.ExtKeyUsageTimeStamping,
	certificatesv1.UsageOCSPSigning:     x509.ExtKeyUsageOCSPSigning,
	certificatesv1.UsageMicrosoftSGC:    x509.ExtKeyUsageMicrosoftServerGatedCrypto,
	certificatesv1.UsageNetscapeSGC:     x509.ExtKeyUsageNetscapeServerGatedCrypto,
}

var keyUsages = map[certificatesv1.KeyUsage]x509.KeyUsage{
	certificatesv1.UsageSigning:           x509.KeyUsageDigitalSignature,
	certificatesv1.UsageDigitalSignature:  x509.KeyUsageDigitalSignature,
	certificatesv1.UsageContentCommitment: x509.KeyUsageContentCommitment,
	certificatesv1.UsageKeyEncipherment:   x509.KeyUsageKeyEncipherment,
	certificatesv1.UsageKeyAgreement:      x509.KeyUsageKeyAgreement,
	certificatesv1.UsageDataEncipherment:  x509.KeyUsageDataEncipherment,
	certificatesv1.UsageCertSign:          x509.KeyUsageCertSign,
	certificatesv1.UsageCRLSign:           x509.KeyUsageCRLSign,
	certificatesv1.UsageEncipherOnly:      x509.KeyUsageEncipherOnly,
	certificatesv1.UsageDecipherOnly:      x509.KeyUsageDecipherOnly,
}

// SignCSR issues a certificate for a certificate signing request, as the
// CSR signer does for node TLS bootstrap. The subject and SANs are taken from
// the request unchanged; deciding whether the requester may have them is the
// approver's job, not ours. usages are certificates.k8s.io usage names.
func (b *Bundle) SignCSR(csr *x509.CertificateRequest, usages []certificatesv1.KeyUsage, ttl time.Duration) ([]byte, error) {
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("sign csr for %q: bad request signature: %w", csr.Subject.CommonName, err)
	}
	tmpl := &x509.Certificate{
		Subject:        csr.Subject,
		DNSNames:       csr.DNSNames,
		IPAddresses:    csr.IPAddresses,
		URIs:           csr.URIs,
		EmailAddresses: csr.EmailAddresses,
	}
	for _, u := range usages {
		if ku, ok := keyUsages[u]; ok {
			tmpl.KeyUsage |= ku
			continue
		}
		eku, ok := extKeyUsages[u]
		if !ok {
			return nil, fmt.Errorf("sign csr for %q: unknown usage %q", csr.Subject.CommonName, u)
		}
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, eku)
	}
	if tmpl.KeyUsage&x509.KeyUsageCertSign != 0 {
		return nil, fmt.Errorf("sign csr for %q: usage %q is not allowed", csr.Subject.CommonName, certificatesv1.UsageCertSign)
	}
	_, certPEM, err := b.sign(tmpl, csr.PublicKey, ttl)
	if err != nil {
		return nil, fmt.Errorf("sign csr for %q: %w", csr.Subject.CommonName, err)
	}
	return certPEM, nil
}
