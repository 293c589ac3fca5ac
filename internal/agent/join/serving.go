package join

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/bosun-dev/bosun/internal/pki"
)

// ensureServing returns the node's serving key pair from DataDir/pki,
// requesting a new one as the node when it is missing, not from the
// cluster CA, expiring within pki.RenewBefore, or not naming the node.
func ensureServing(ctx context.Context, rc *rest.Config, caPEM []byte, cfg Config) (certPEM, keyPEM []byte, err error) {
	certFile, keyFile := pkiPath(cfg.DataDir, "serving.crt"), pkiPath(cfg.DataDir, "serving.key")
	certPEM, errCert := os.ReadFile(certFile)
	keyPEM, errKey := os.ReadFile(keyFile)
	switch {
	case errCert == nil && errKey == nil:
		if servingUsable(certPEM, keyPEM, caPEM, cfg.NodeName, cfg.NodeIP, time.Now()) {
			return certPEM, keyPEM, nil
		}
	case errors.Is(errCert, os.ErrNotExist) || errors.Is(errKey, os.ErrNotExist):
		// Not requested yet, or a request interrupted between the two writes.
	default:
		return nil, nil, fmt.Errorf("read serving certificate: %w", errors.Join(errCert, errKey))
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("serving certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate serving key: %w", err)
	}
	tmpl := &x509.CertificateRequest{
		Subject:     pkix.Name{CommonName: nodeUser(cfg.NodeName), Organization: []string{nodesGroup}},
		DNSNames:    []string{cfg.NodeName},
		IPAddresses: []net.IP{net.ParseIP(cfg.NodeIP)},
	}
	if tmpl.IPAddresses[0] == nil {
		return nil, nil, fmt.Errorf("serving certificate: node IP %q is not an IP address", cfg.NodeIP)
	}
	usages := []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, certificatesv1.UsageServerAuth}
	fmt.Fprintf(cfg.Progress, "Waiting for the API server to sign this node's serving certificate\n")
	certPEM, err = requestCertificate(ctx, client, key, tmpl, certificatesv1.KubeletServingSignerName, usages, cfg.SignTimeout)
	if err != nil {
		return nil, nil, fmt.Errorf("serving certificate: %w", err)
	}
	if keyPEM, err = pki.EncodeKey(key); err != nil {
		return nil, nil, err
	}
	// The key first: a certificate without its key is never left behind.
	if err := writeFiles([]file{{keyFile, keyPEM, 0o600}, {certFile, certPEM, 0o644}}); err != nil {
		return nil, nil, fmt.Errorf("serving certificate: %w", err)
	}
	return certPEM, keyPEM, nil
}

// servingUsable reports whether a stored serving pair can be served for
// the node at now.
func servingUsable(certPEM, keyPEM, caPEM []byte, nodeName, nodeIP string, now time.Time) bool {
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return false
	}
	cert, err := pki.ParseCert(certPEM)
	if err != nil {
		return false
	}
	ca, err := pki.ParseCert(caPEM)
	if err != nil || cert.CheckSignatureFrom(ca) != nil {
		return false
	}
	if now.Before(cert.NotBefore) || now.Add(pki.RenewBefore).After(cert.NotAfter) {
		return false
	}
	ip := net.ParseIP(nodeIP)
	return ip != nil && slices.ContainsFunc(cert.IPAddresses, ip.Equal) && slices.Contains(cert.DNSNames, nodeName)
}
