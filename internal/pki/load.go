package pki

import (
	"crypto"
	"crypto/tls"
	"fmt"
	"path/filepath"
	"time"
)

// LoadCA reads the CA certificate and key from dir/pki and writes nothing,
// so certificates can be issued beside a running server (for a node agent
// run as its own process) without touching the server's files. The Bundle
// returned has only the CA fields set; its Issue methods work.
func LoadCA(dir string) (*Bundle, error) {
	b := &Bundle{Dir: filepath.Join(dir, "pki"), now: time.Now}
	b.CAFile = filepath.Join(b.Dir, caCertFile)
	keyFile := filepath.Join(b.Dir, caKeyFile)
	certPEM, err := readFile(b.CAFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := readFile(keyFile)
	if err != nil {
		return nil, err
	}
	if certPEM == nil || keyPEM == nil {
		return nil, fmt.Errorf("load ca from %s: %s and %s must both exist", b.Dir, caCertFile, caKeyFile)
	}
	if err := b.setCA(certPEM, keyPEM, keyFile); err != nil {
		return nil, err
	}
	return b, nil
}

// setCA parses a CA pair read from b.CAFile and keyFile into b.
func (b *Bundle) setCA(certPEM, keyPEM []byte, keyFile string) error {
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return fmt.Errorf("load ca from %s: %w", b.Dir, err)
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		return fmt.Errorf("load ca %s: %w", b.CAFile, err)
	}
	key, err := ParseKey(keyPEM)
	if err != nil {
		return fmt.Errorf("load ca key %s: %w", keyFile, err)
	}
	if !cert.IsCA {
		return fmt.Errorf("load ca %s: certificate is not a CA", b.CAFile)
	}
	b.CA, b.CAKey, b.CAPEM = cert, key, certPEM
	return nil
}

// NewCABundle wraps a CA certificate (PEM) and its key for issuing, as
// LoadCA does from files; the CSR signer gets the server's CA this way.
func NewCABundle(certPEM []byte, key crypto.Signer) (*Bundle, error) {
	cert, err := ParseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("load ca %q: certificate is not a CA", cert.Subject.CommonName)
	}
	if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("load ca %q: key does not match the certificate", cert.Subject.CommonName)
	}
	return &Bundle{CA: cert, CAKey: key, CAPEM: certPEM, now: time.Now}, nil
}
