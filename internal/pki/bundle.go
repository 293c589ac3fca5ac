package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Options says what Ensure must produce.
type Options struct {
	// ServerHosts are extra DNS names and IP addresses for the serving
	// certificate, such as the node IP and the first IP of the service CIDR
	// (10.96.0.1); the loopback names, the host name and the in-cluster
	// "kubernetes" names are always added.
	ServerHosts []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives one line per file made; nil means slog.Default().
	Log *slog.Logger
}

// KeyPair is a certificate and its private key, in memory and on disk.
type KeyPair struct {
	Cert     *x509.Certificate
	CertPEM  []byte
	KeyPEM   []byte
	CertFile string
	KeyFile  string
}

// TLSCertificate returns the pair in the form crypto/tls serves.
func (k KeyPair) TLSCertificate() (tls.Certificate, error) {
	c, err := tls.X509KeyPair(k.CertPEM, k.KeyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("load key pair %s: %w", k.CertFile, err)
	}
	return c, nil
}

// Bundle is the server's certificate authority and the key pairs made from it.
type Bundle struct {
	// Dir is the directory holding the files (<data dir>/pki).
	Dir    string
	CA     *x509.Certificate
	CAKey  crypto.Signer
	CAPEM  []byte
	CAFile string
	// Serving is the API server's serving certificate.
	Serving KeyPair
	// Admin is a client certificate for bosun-admin in system:masters.
	Admin KeyPair
	// KubeletClient is the client certificate the server presents to node
	// agents.
	KubeletClient KeyPair
	// ServiceAccountKey signs service account tokens; ServiceAccountKeyFile
	// and ServiceAccountPubFile hold it and its public half.
	ServiceAccountKey     crypto.Signer
	ServiceAccountKeyFile string
	ServiceAccountPubFile string

	now func() time.Time
}

// CAPool returns a pool holding only the CA, for verifying client and
// serving certificates.
func (b *Bundle) CAPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(b.CA)
	return p
}

// DefaultServerHosts are the names always on the serving certificate, besides
// the host name.
var DefaultServerHosts = []string{
	"localhost", "127.0.0.1", "::1",
	"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
}

// Ensure loads the server's certificates from dir/pki, making whatever is
// missing. The CA and service-account key are never replaced once made; leaf
// certificates are re-issued when they are not signed by the CA, expire
// within RenewBefore, or (for the serving certificate) lack a requested host.
func Ensure(dir string, opts Options) (*Bundle, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	pkiDir := filepath.Join(dir, "pki")
	if err := os.MkdirAll(pkiDir, 0o700); err != nil {
		return nil, fmt.Errorf("create pki dir: %w", err)
	}
	b := &Bundle{Dir: pkiDir, now: now}
	if err := b.ensureCA(log); err != nil {
		return nil, err
	}

	hosts := serverHosts(opts.ServerHosts)
	hostname, err := os.Hostname()
	if err == nil && hostname != "" {
		hosts = appendUnique(hosts, hostname)
	}
	leaves := []struct {
		pair     *KeyPair
		certFile string
		keyFile  string
		tmpl     func() *x509.Certificate
		valid    func(*x509.Certificate) bool
	}{
		{&b.Serving, servingCertFile, servingKeyFile,
			func() *x509.Certificate { return servingTemplate("kube-apiserver", hosts) },
			func(c *x509.Certificate) bool { return hasHosts(c, hosts) }},
		{&b.Admin, adminCertFile, adminKeyFile,
			func() *x509.Certificate { return clientTemplate("bosun-admin", []string{"system:masters"}) },
			nil},
		{&b.KubeletClient, kubeletClientCert, kubeletClientKey,
			func() *x509.Certificate {
				return clientTemplate("kube-apiserver-kubelet-client", []string{"system:masters"})
			},
			nil},
	}
	for _, l := range leaves {
		l.pair.CertFile = filepath.Join(pkiDir, l.certFile)
		l.pair.KeyFile = filepath.Join(pkiDir, l.keyFile)
		if err := b.ensureLeaf(log, l.pair, l.tmpl, l.valid); err != nil {
			return nil, err
		}
	}
	if err := b.ensureServiceAccountKey(log); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Bundle) ensureCA(log *slog.Logger) error {
	b.CAFile = filepath.Join(b.Dir, caCertFile)
	keyFile := filepath.Join(b.Dir, caKeyFile)
	certPEM, err := readFile(b.CAFile)
	if err != nil {
		return err
	}
	keyPEM, err := readFile(keyFile)
	if err != nil {
		return err
	}
	switch {
	case certPEM != nil && keyPEM == nil:
		return fmt.Errorf("load ca: %s exists without %s; refusing to replace the CA", b.CAFile, keyFile)
	case certPEM != nil:
		return b.setCA(certPEM, keyPEM, keyFile)
	}
	// No ca.crt: nothing can have been issued from a key left behind by an
	// interrupted first start, so making a new CA is safe. The key is written
	// before the certificate so ca.crt never exists without its key.
	cert, certPEM, key, err := newCA("bosun-ca", b.now())
	if err != nil {
		return err
	}
	keyPEM, err = EncodeKey(key)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(keyFile, keyPEM, 0o600); err != nil {
		return err
	}
	if err := writeFileAtomic(b.CAFile, certPEM, 0o644); err != nil {
		return err
	}
	log.Info("Created certificate authority", "file", b.CAFile)
	b.CA, b.CAKey, b.CAPEM = cert, key, certPEM
	return nil
}

// ensureLeaf loads pair from its files, or issues and writes a new one.
func (b *Bundle) ensureLeaf(log *slog.Logger, pair *KeyPair, tmpl func() *x509.Certificate, valid func(*x509.Certificate) bool) error {
	reason, err := b.loadLeaf(pair, valid)
	if err != nil {
		return err
	}
	if reason == "" {
		return nil
	}
	cert, certPEM, keyPEM, err := b.issue(tmpl(), LeafValidity)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(pair.KeyFile, keyPEM, 0o600); err != nil {
		return err
	}
	if err := writeFileAtomic(pair.CertFile, certPEM, 0o644); err != nil {
		return err
	}
	log.Info("Issued certificate", "file", pair.CertFile, "subject", cert.Subject.CommonName, "reason", reason)
	pair.Cert, pair.CertPEM, pair.KeyPEM = cert, certPEM, keyPEM
	return nil
}

// loadLeaf fills pair from disk and returns why it must be re-issued, or ""
// when it is good to use. Only I/O failures are errors: anything wrong with
// the contents is fixed by issuing a new pair.
func (b *Bundle) loadLeaf(pair *KeyPair, valid func(*x509.Certificate) bool) (string, error) {
	certPEM, err := readFile(pair.CertFile)
	if err != nil {
		return "", err
	}
	keyPEM, err := readFile(pair.KeyFile)
	if err != nil {
		return "", err
	}
	if certPEM == nil || keyPEM == nil {
		return "missing", nil
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return "unusable key pair", nil
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		return "unparsable certificate", nil
	}
	if err := cert.CheckSignatureFrom(b.CA); err != nil {
		return "not signed by ca", nil
	}
	if b.now().Add(RenewBefore).After(cert.NotAfter) {
		return "expiring", nil
	}
	if valid != nil && !valid(cert) {
		return "hosts changed", nil
	}
	pair.Cert, pair.CertPEM, pair.KeyPEM = cert, certPEM, keyPEM
	return "", nil
}

func (b *Bundle) ensureServiceAccountKey(log *slog.Logger) error {
	b.ServiceAccountKeyFile = filepath.Join(b.Dir, saKeyFile)
	b.ServiceAccountPubFile = filepath.Join(b.Dir, saPubFile)
	keyPEM, err := readFile(b.ServiceAccountKeyFile)
	if err != nil {
		return err
	}
	var key crypto.Signer
	if keyPEM != nil {
		// Replacing this key would invalidate every token handed out, so a
		// bad file is an error for a human rather than something to fix.
		key, err = ParseKey(keyPEM)
		if err != nil {
			return fmt.Errorf("load service account key %s: %w", b.ServiceAccountKeyFile, err)
		}
	} else {
		k, err := newKey()
		if err != nil {
			return err
		}
		key = k
		if keyPEM, err = EncodeKey(key); err != nil {
			return err
		}
		if err := writeFileAtomic(b.ServiceAccountKeyFile, keyPEM, 0o600); err != nil {
			return err
		}
		log.Info("Created service account signing key", "file", b.ServiceAccountKeyFile)
	}
	pubPEM, err := EncodePublicKey(key.Public())
	if err != nil {
		return err
	}
	// sa.pub is derived, so rewrite it whenever it is missing or stale.
	old, err := readFile(b.ServiceAccountPubFile)
	if err != nil {
		return err
	}
	if string(old) != string(pubPEM) {
		if err := writeFileAtomic(b.ServiceAccountPubFile, pubPEM, 0o644); err != nil {
			return err
		}
	}
	b.ServiceAccountKey = key
	return nil
}

func serverHosts(extra []string) []string {
	hosts := slices.Clone(DefaultServerHosts)
	for _, h := range extra {
		hosts = appendUnique(hosts, h)
	}
	return hosts
}

func appendUnique(hosts []string, h string) []string {
	if h == "" || slices.Contains(hosts, h) {
		return hosts
	}
	return append(hosts, h)
}

// hasHosts reports whether cert names every host exactly.
func hasHosts(cert *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
				return false
			}
		} else if !slices.Contains(cert.DNSNames, h) {
			return false
		}
	}
	return true
}
