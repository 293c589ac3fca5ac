package certificates

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"net/url"
	"strings"
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
)

func request(t *testing.T, tmpl *x509.CertificateRequest) *x509.CertificateRequest {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	req, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

var node = pkix.Name{CommonName: "system:node:n1", Organization: []string{NodesGroup}}

const (
	ds = certificatesv1.UsageDigitalSignature
	ke = certificatesv1.UsageKeyEncipherment
	ca = certificatesv1.UsageClientAuth
	sa = certificatesv1.UsageServerAuth
)

func TestNodeProblems(t *testing.T) {
	ip := []net.IP{net.ParseIP("10.1.0.3")}
	u, _ := url.Parse("spiffe://x")
	tests := []struct {
		name    string
		check   func(*x509.CertificateRequest, []certificatesv1.KeyUsage) string
		tmpl    x509.CertificateRequest
		usages  []certificatesv1.KeyUsage
		problem string // substring; "" means acceptable
	}{
		{"client", NodeClientProblem, x509.CertificateRequest{Subject: node}, []certificatesv1.KeyUsage{ds, ca}, ""},
		{"client with key encipherment", NodeClientProblem, x509.CertificateRequest{Subject: node}, []certificatesv1.KeyUsage{ds, ke, ca}, ""},
		{"client without client auth", NodeClientProblem, x509.CertificateRequest{Subject: node}, []certificatesv1.KeyUsage{ds}, `must include "client auth"`},
		{"client asking server auth", NodeClientProblem, x509.CertificateRequest{Subject: node}, []certificatesv1.KeyUsage{ca, sa}, `usage "server auth" is not allowed`},
		{"client with SAN", NodeClientProblem, x509.CertificateRequest{Subject: node, IPAddresses: ip}, []certificatesv1.KeyUsage{ca}, "subject alternative names"},
		{"client not a node", NodeClientProblem, x509.CertificateRequest{Subject: pkix.Name{CommonName: "alice", Organization: []string{NodesGroup}}}, []certificatesv1.KeyUsage{ca}, "must be system:node:<node name>"},
		{"client empty node name", NodeClientProblem, x509.CertificateRequest{Subject: pkix.Name{CommonName: "system:node:", Organization: []string{NodesGroup}}}, []certificatesv1.KeyUsage{ca}, "must be system:node:"},
		{"client in masters", NodeClientProblem, x509.CertificateRequest{Subject: pkix.Name{CommonName: "system:node:n1", Organization: []string{NodesGroup, "system:masters"}}}, []certificatesv1.KeyUsage{ca}, "organization"},
		{"serving", NodeServingProblem, x509.CertificateRequest{Subject: node, IPAddresses: ip, DNSNames: []string{"n1"}}, []certificatesv1.KeyUsage{ds, ke, sa}, ""},
		{"serving without names", NodeServingProblem, x509.CertificateRequest{Subject: node}, []certificatesv1.KeyUsage{sa}, "at least one"},
		{"serving with URI", NodeServingProblem, x509.CertificateRequest{Subject: node, IPAddresses: ip, URIs: []*url.URL{u}}, []certificatesv1.KeyUsage{sa}, "only name DNS names and IP"},
		{"serving asking client auth", NodeServingProblem, x509.CertificateRequest{Subject: node, IPAddresses: ip}, []certificatesv1.KeyUsage{sa, ca}, `usage "client auth" is not allowed`},
		{"api client", ClientProblem, x509.CertificateRequest{Subject: pkix.Name{CommonName: "alice", Organization: []string{"dev"}}}, []certificatesv1.KeyUsage{ca}, ""},
		{"api client without name", ClientProblem, x509.CertificateRequest{}, []certificatesv1.KeyUsage{ca}, "common name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.check(request(t, &tc.tmpl), tc.usages)
			if (tc.problem == "") != (got == "") || !strings.Contains(got, tc.problem) {
				t.Errorf("problem = %q, want %q", got, tc.problem)
			}
		})
	}
}

func TestParseRequest(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: node}, key)
	if err != nil {
		t.Fatal(err)
	}
	good := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	tampered := append([]byte(nil), der...)
	tampered[len(tampered)-1] ^= 0xff
	for name, tc := range map[string]struct {
		pem     []byte
		wantErr string
	}{
		"good":      {good, ""},
		"not PEM":   {[]byte("hello"), "not a PEM CERTIFICATE REQUEST"},
		"wrong PEM": {pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), "not a PEM CERTIFICATE REQUEST"},
		"garbage":   {pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte("x")}), "parse spec.request"},
		"signature": {pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: tampered}), "signature"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseRequest(&certificatesv1.CertificateSigningRequest{Spec: certificatesv1.CertificateSigningRequestSpec{Request: tc.pem}})
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("ParseRequest error %v, want %q", err, tc.wantErr)
			}
		})
	}
}
