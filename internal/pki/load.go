package pki

import (
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
