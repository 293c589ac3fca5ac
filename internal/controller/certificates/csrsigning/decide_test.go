package csrsigning

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func csr(t *testing.T, signer string, subject pkix.Name, usages []certificatesv1.KeyUsage, conds ...certificatesv1.RequestConditionType) *certificatesv1.CertificateSigningRequest {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subject}, key)
	if err != nil {
		t.Fatal(err)
	}
	c := &certificatesv1.CertificateSigningRequest{Spec: certificatesv1.CertificateSigningRequestSpec{
		Request: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), SignerName: signer, Usages: usages,
	}}
	for _, t := range conds {
		c.Status.Conditions = append(c.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{Type: t, Status: corev1.ConditionTrue})
	}
	return c
}

var (
	node   = pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}}
	client = []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}
)

func TestPending(t *testing.T) {
	const kubelet = certificatesv1.KubeAPIServerClientKubeletSignerName
	issued := csr(t, kubelet, node, client, certificatesv1.CertificateApproved)
	issued.Status.Certificate = []byte("cert")
	for name, tc := range map[string]struct {
		csr  *certificatesv1.CertificateSigningRequest
		want bool
	}{
		"approved":         {csr(t, kubelet, node, client, certificatesv1.CertificateApproved), true},
		"api client":       {csr(t, certificatesv1.KubeAPIServerClientSignerName, node, client, certificatesv1.CertificateApproved), true},
		"serving":          {csr(t, certificatesv1.KubeletServingSignerName, node, client, certificatesv1.CertificateApproved), true},
		"not approved":     {csr(t, kubelet, node, client), false},
		"denied":           {csr(t, kubelet, node, client, certificatesv1.CertificateDenied), false},
		"failed":           {csr(t, kubelet, node, client, certificatesv1.CertificateApproved, certificatesv1.CertificateFailed), false},
		"issued":           {issued, false},
		"someone's signer": {csr(t, "example.com/signer", node, client, certificatesv1.CertificateApproved), false},
	} {
		if got := Pending(tc.csr); got != tc.want {
			t.Errorf("%s: Pending = %v, want %v", name, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	bad := csr(t, certificatesv1.KubeAPIServerClientKubeletSignerName, node, client)
	bad.Spec.Request = []byte("-----BEGIN CERTIFICATE REQUEST-----\naGk=\n-----END CERTIFICATE REQUEST-----\n")
	for name, tc := range map[string]struct {
		csr     *certificatesv1.CertificateSigningRequest
		failure string
	}{
		"node client":         {csr(t, certificatesv1.KubeAPIServerClientKubeletSignerName, node, client), ""},
		"node client as user": {csr(t, certificatesv1.KubeAPIServerClientKubeletSignerName, pkix.Name{CommonName: "alice"}, client), "must be system:node:"},
		"serving without SAN": {csr(t, certificatesv1.KubeletServingSignerName, node, []certificatesv1.KeyUsage{certificatesv1.UsageServerAuth}), "at least one"},
		"api client":          {csr(t, certificatesv1.KubeAPIServerClientSignerName, pkix.Name{CommonName: "alice"}, client), ""},
		"unparsable":          {bad, "parse spec.request"},
	} {
		req, failure := Check(tc.csr)
		if (tc.failure == "") != (failure == "") || !strings.Contains(failure, tc.failure) || (failure == "") != (req != nil) {
			t.Errorf("%s: Check = %v, %q; want failure %q", name, req != nil, failure, tc.failure)
		}
	}
}

func TestTTL(t *testing.T) {
	for _, tc := range []struct {
		seconds *int32
		want    time.Duration
	}{
		{nil, DefaultTTL},
		{ptr.To[int32](3600), time.Hour},
		{ptr.To[int32](60), MinTTL},
	} {
		c := &certificatesv1.CertificateSigningRequest{Spec: certificatesv1.CertificateSigningRequestSpec{ExpirationSeconds: tc.seconds}}
		if got := TTL(c); got != tc.want {
			t.Errorf("TTL(%v) = %v, want %v", tc.seconds, got, tc.want)
		}
	}
}
