package auth

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/bosun-dev/bosun/internal/pki"
)

func bundle(t *testing.T) *pki.Bundle {
	t.Helper()
	b, err := pki.Ensure(t.TempDir(), pki.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tlsRequest(t *testing.T, certs ...[]byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest("GET", "/api", nil)
	r.TLS = &tls.ConnectionState{}
	for _, c := range certs {
		cert, err := pki.ParseCert(c)
		if err != nil {
			t.Fatal(err)
		}
		r.TLS.PeerCertificates = append(r.TLS.PeerCertificates, cert)
	}
	return r
}

func TestX509(t *testing.T) {
	b := bundle(t)
	other := bundle(t)
	a := &X509{Roots: b.CAPool()}

	alice, _, err := b.IssueClientCert("alice", []string{"dev", "ops"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	u, ok, err := a.Authenticate(tlsRequest(t, alice))
	if err != nil || !ok {
		t.Fatalf("Authenticate = %v, %v", ok, err)
	}
	if u.Name != "alice" || !slices.Equal(u.Groups, []string{"dev", "ops", "system:authenticated"}) {
		t.Errorf("user = %+v", u)
	}

	u, ok, err = a.Authenticate(tlsRequest(t, b.Admin.CertPEM))
	if err != nil || !ok || u.Name != "bosun-admin" || !slices.Contains(u.Groups, GroupMasters) {
		t.Errorf("admin: %+v, %v, %v", u, ok, err)
	}

	foreign, _, err := other.IssueClientCert("mallory", []string{"system:masters"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*http.Request{
		"other CA":     tlsRequest(t, foreign),
		"serving cert": tlsRequest(t, b.Serving.CertPEM),
		"expired":      tlsRequest(t, alice),
	} {
		a := a
		if name == "expired" {
			a = &X509{Roots: b.CAPool(), Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}
		}
		if u, ok, err := a.Authenticate(r); ok || err == nil {
			t.Errorf("%s: Authenticate = %+v, %v, %v; want an error", name, u, ok, err)
		}
	}

	for name, r := range map[string]*http.Request{
		"plain http":     httptest.NewRequest("GET", "/api", nil),
		"no client cert": tlsRequest(t),
	} {
		if u, ok, err := a.Authenticate(r); ok || err != nil {
			t.Errorf("%s: Authenticate = %+v, %v, %v; want no credentials", name, u, ok, err)
		}
	}
}
