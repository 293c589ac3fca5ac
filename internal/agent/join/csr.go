package join

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/bosun-dev/bosun/internal/controller/certificates"
	"github.com/bosun-dev/bosun/internal/pki"
)

const nodesGroup = certificates.NodesGroup

func nodeUser(name string) string { return certificates.NodeUserPrefix + name }

// requestCertificate creates a CSR for key and waits until it is issued,
// denied or failed, or timeout passes.
func requestCertificate(ctx context.Context, client kubernetes.Interface, key crypto.Signer, tmpl *x509.CertificateRequest,
	signer string, usages []certificatesv1.KeyUsage, timeout time.Duration) ([]byte, error) {
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, fmt.Errorf("make certificate request: %w", err)
	}
	csrs := client.CertificatesV1().CertificateSigningRequests()
	csr, err := csrs.Create(ctx, &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "node-csr-"},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: signer,
			Usages:     usages,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create certificate signing request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	byName := fields.OneTermEqualSelector("metadata.name", csr.Name).String()
	lw := &cache.ListWatch{
		ListFunc: func(o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = byName
			return csrs.List(ctx, o)
		},
		WatchFunc: func(o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = byName
			return csrs.Watch(ctx, o)
		},
	}
	var certPEM []byte
	_, err = watchtools.UntilWithSync(ctx, lw, &certificatesv1.CertificateSigningRequest{}, nil, func(ev watch.Event) (bool, error) {
		if ev.Type == watch.Deleted {
			return false, fmt.Errorf("certificate signing request %s was deleted", csr.Name)
		}
		c, ok := ev.Object.(*certificatesv1.CertificateSigningRequest)
		if !ok {
			return false, nil
		}
		for _, cond := range c.Status.Conditions {
			switch cond.Type {
			case certificatesv1.CertificateDenied, certificatesv1.CertificateFailed:
				return false, fmt.Errorf("certificate signing request %s %s: %s: %s", c.Name, cond.Type, cond.Reason, cond.Message)
			}
		}
		if len(c.Status.Certificate) == 0 {
			return false, nil
		}
		certPEM = c.Status.Certificate
		return true, nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("certificate signing request %s not issued within %v (is the control plane's CSR approver and signer running? `kubectl certificate approve %s` approves it by hand): %w", csr.Name, timeout, csr.Name, err)
		}
		return nil, err
	}
	cert, err := pki.ParseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("certificate signing request %s: issued certificate: %w", csr.Name, err)
	}
	if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("certificate signing request %s: issued certificate is for another key", csr.Name)
	}
	return certPEM, nil
}
