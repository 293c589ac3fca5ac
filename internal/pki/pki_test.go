package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/client-go/tools/clientcmd"
)

func ensure(t *testing.T, dir string, opts Options) *Bundle {
	t.Helper()
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	b, err := Ensure(dir, opts)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	return b
}

func TestEnsureCreatesEverything(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	b := ensure(t, dir, Options{ServerHosts: []string{"10.96.0.1", "node1.example"}})
	t.Logf("cold certificate generation took %v", time.Since(start))

	if got := b.CA.Subject.CommonName; got != "bosun-ca" {
		t.Errorf("CA CN = %q", got)
	}
	if life := b.CA.NotAfter.Sub(b.CA.NotBefore); life < CAValidity {
		t.Errorf("CA lifetime %v < %v", life, CAValidity)
	}
	if _, ok := b.CA.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("CA key is %T, want ECDSA", b.CA.PublicKey)
	}
	if _, ok := b.ServiceAccountKey.(*ecdsa.PrivateKey); !ok {
		t.Errorf("sa key is %T, want ECDSA", b.ServiceAccountKey)
	}

	roots := b.CAPool()
	hostname, _ := os.Hostname()
	for _, h := range append(slices.Clone(DefaultServerHosts), "10.96.0.1", "node1.example", hostname) {
		if _, err := b.Serving.Cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: h}); err != nil {
			t.Errorf("serving cert does not verify for %q: %v", h, err)
		}
	}
	for _, c := range []struct {
		pair KeyPair
		cn   string
	}{{b.Admin, "bosun-admin"}, {b.KubeletClient, "kube-apiserver-kubelet-client"}} {
		if c.pair.Cert.Subject.CommonName != c.cn || !slices.Equal(c.pair.Cert.Subject.Organization, []string{"system:masters"}) {
			t.Errorf("client cert subject = %v, want CN=%s O=system:masters", c.pair.Cert.Subject, c.cn)
		}
		if _, err := c.pair.Cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: %v", c.cn, err)
		}
		if _, err := c.pair.TLSCertificate(); err != nil {
			t.Error(err)
		}
	}

	want := map[string]os.FileMode{
		"ca.crt": 0o644, "ca.key": 0o600, "apiserver.crt": 0o644, "apiserver.key": 0o600,
		"admin.crt": 0o644, "admin.key": 0o600,
		"apiserver-kubelet-client.crt": 0o644, "apiserver-kubelet-client.key": 0o600,
		"sa.key": 0o600, "sa.pub": 0o644,
	}
	entries, err := os.ReadDir(filepath.Join(dir, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("pki dir has %d entries, want %d", len(entries), len(want))
	}
	for name, mode := range want {
		fi, err := os.Stat(filepath.Join(dir, "pki", name))
		if err != nil {
			t.Errorf("stat %s: %v", name, err)
			continue
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s mode = %v, want %v", name, fi.Mode().Perm(), mode)
		}
	}
}

func TestEnsureReusesFiles(t *testing.T) {
	dir := t.TempDir()
	opts := Options{ServerHosts: []string{"10.96.0.1"}}
	b1 := ensure(t, dir, opts)
	start := time.Now()
	b2 := ensure(t, dir, opts)
	t.Logf("warm load took %v", time.Since(start))
	for name, pair := range map[string][2][]byte{
		"ca":      {b1.CAPEM, b2.CAPEM},
		"serving": {b1.Serving.CertPEM, b2.Serving.CertPEM},
		"admin":   {b1.Admin.KeyPEM, b2.Admin.KeyPEM},
		"kubelet": {b1.KubeletClient.CertPEM, b2.KubeletClient.CertPEM},
	} {
		if !bytes.Equal(pair[0], pair[1]) {
			t.Errorf("%s was regenerated", name)
		}
	}
	if !b1.ServiceAccountKey.(*ecdsa.PrivateKey).Equal(b2.ServiceAccountKey) {
		t.Error("sa key was regenerated")
	}
}

func TestEnsureReissuesServingForNewHost(t *testing.T) {
	dir := t.TempDir()
	b1 := ensure(t, dir, Options{ServerHosts: []string{"10.96.0.1"}})
	b2 := ensure(t, dir, Options{ServerHosts: []string{"10.96.0.1", "192.168.7.7"}})
	if bytes.Equal(b1.Serving.CertPEM, b2.Serving.CertPEM) {
		t.Fatal("serving cert not re-issued for a new host")
	}
	if !bytes.Equal(b1.CAPEM, b2.CAPEM) || !bytes.Equal(b1.Admin.CertPEM, b2.Admin.CertPEM) {
		t.Error("CA or admin cert changed when only the serving hosts did")
	}
	if !slices.ContainsFunc(b2.Serving.Cert.IPAddresses, net.ParseIP("192.168.7.7").Equal) {
		t.Errorf("new serving cert lacks 192.168.7.7: %v", b2.Serving.Cert.IPAddresses)
	}
	// A subset of the hosts already on the certificate needs no new one.
	b3 := ensure(t, dir, Options{ServerHosts: []string{"10.96.0.1"}})
	if !bytes.Equal(b2.Serving.CertPEM, b3.Serving.CertPEM) {
		t.Error("serving cert re-issued although it covers every host")
	}
}

func TestEnsureRenewsExpiringLeaf(t *testing.T) {
	dir := t.TempDir()
	b1 := ensure(t, dir, Options{})
	later := func() time.Time { return time.Now().Add(LeafValidity - RenewBefore/2) }
	b2 := ensure(t, dir, Options{Now: later})
	if bytes.Equal(b1.Admin.CertPEM, b2.Admin.CertPEM) {
		t.Error("expiring admin cert was not renewed")
	}
	if !bytes.Equal(b1.CAPEM, b2.CAPEM) {
		t.Error("CA changed")
	}
}

func TestEnsureRefusesCAWithoutKey(t *testing.T) {
	dir := t.TempDir()
	ensure(t, dir, Options{})
	if err := os.Remove(filepath.Join(dir, "pki", "ca.key")); err != nil {
		t.Fatal(err)
	}
	if _, err := Ensure(dir, Options{}); err == nil {
		t.Fatal("Ensure replaced a CA whose key is missing")
	}
}

func TestIssueClientCert(t *testing.T) {
	b := ensure(t, t.TempDir(), Options{})
	certPEM, keyPEM, err := b.IssueClientCert("alice", []string{"dev", "ops"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseKey(keyPEM); err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "alice" || !slices.Equal(cert.Subject.Organization, []string{"dev", "ops"}) {
		t.Errorf("subject = %v", cert.Subject)
	}
	if d := time.Until(cert.NotAfter); d > time.Hour || d < 59*time.Minute {
		t.Errorf("cert expires in %v, want 1h", d)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: b.CAPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Error(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: b.CAPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
		t.Error("client cert verifies for server auth")
	}
}

func TestSignCSR(t *testing.T) {
	b := ensure(t, t.TempDir(), Options{})
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:     pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}},
		DNSNames:    []string{"n1"},
		IPAddresses: []net.IP{net.ParseIP("10.0.0.5")},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}

	certPEM, err := b.SignCSR(csr, []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageServerAuth}, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: b.CAPool(), DNSName: "10.0.0.5"}); err != nil {
		t.Error(err)
	}
	if cert.Subject.CommonName != "system:node:n1" || !key.PublicKey.Equal(cert.PublicKey) {
		t.Errorf("cert subject %v or key does not match the request", cert.Subject)
	}

	for name, usages := range map[string][]certificatesv1.KeyUsage{
		"unknown":   {"teleport"},
		"cert sign": {certificatesv1.UsageCertSign},
	} {
		if _, err := b.SignCSR(csr, usages, time.Hour); err == nil {
			t.Errorf("%s: SignCSR accepted usages %v", name, usages)
		}
	}
	csr.Signature[len(csr.Signature)-1] ^= 0xff
	if _, err := b.SignCSR(csr, []certificatesv1.KeyUsage{certificatesv1.UsageClientAuth}, time.Hour); err == nil {
		t.Error("SignCSR accepted a request with a bad signature")
	}
}

func TestWriteKubeconfig(t *testing.T) {
	b := ensure(t, t.TempDir(), Options{})
	path := filepath.Join(t.TempDir(), "sub", "admin.conf")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteKubeconfig(path, "https://127.0.0.1:6443", b.CAPEM, b.Admin.CertPEM, b.Admin.KeyPEM, "bosun"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("kubeconfig mode = %v, want 0600", fi.Mode().Perm())
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "https://127.0.0.1:6443" || !bytes.Equal(cfg.CAData, b.CAPEM) || !bytes.Equal(cfg.KeyData, b.Admin.KeyPEM) {
		t.Errorf("kubeconfig round trip: host %q, CA/key data mismatch", cfg.Host)
	}
}

func TestIssueServingCert(t *testing.T) {
	b := ensure(t, t.TempDir(), Options{})
	certPEM, keyPEM, err := b.IssueServingCert("node-1", []string{"node-1", "10.1.2.3"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: b.CAPool(), DNSName: "node-1"}); err != nil {
		t.Fatalf("verify by name: %v", err)
	}
	if err := cert.VerifyHostname("10.1.2.3"); err != nil {
		t.Fatalf("verify by IP: %v", err)
	}
	if _, err := ParseKey(keyPEM); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.IssueServingCert("x", nil, time.Hour); err == nil {
		t.Fatal("no hosts accepted")
	}
}
