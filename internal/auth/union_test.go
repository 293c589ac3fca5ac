package auth

import (
	"context"
	"crypto"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

type fixed struct {
	u   *User
	ok  bool
	err error
	hit *[]string
}

func (f fixed) Authenticate(*http.Request) (*User, bool, error) {
	name := "none"
	if f.u != nil {
		name = f.u.Name
	}
	*f.hit = append(*f.hit, name)
	return f.u, f.ok, f.err
}

func TestUnion(t *testing.T) {
	errBad := errors.New("bad certificate")
	tests := []struct {
		name     string
		members  []fixed
		wantUser string
		wantErr  bool
		wantHits []string
	}{
		{"first success wins", []fixed{{u: &User{Name: "a"}, ok: true}, {u: &User{Name: "b"}, ok: true}}, "a", false, []string{"a"}},
		{"skips no credentials", []fixed{{}, {u: &User{Name: "b"}, ok: true}}, "b", false, []string{"none", "b"}},
		{"error does not stop later success", []fixed{{err: errBad}, {u: &User{Name: "b"}, ok: true}}, "b", false, []string{"none", "b"}},
		{"error when nothing succeeds", []fixed{{err: errBad}, {}}, "", true, []string{"none", "none"}},
		{"no credentials at all", []fixed{{}, {}}, "", false, []string{"none", "none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits []string
			var un Union
			for _, m := range tt.members {
				m.hit = &hits
				un = append(un, m)
			}
			u, ok, err := un.Authenticate(httptest.NewRequest("GET", "/", nil))
			if (err != nil) != tt.wantErr || ok != (tt.wantUser != "") || (ok && u.Name != tt.wantUser) {
				t.Errorf("Authenticate = %+v, %v, %v", u, ok, err)
			}
			if tt.wantErr && !errors.Is(err, errBad) {
				t.Errorf("error %v does not wrap the member's", err)
			}
			if !slices.Equal(hits, tt.wantHits) {
				t.Errorf("tried %v, want %v", hits, tt.wantHits)
			}
		})
	}
}

func TestStaticTokens(t *testing.T) {
	s := NewStaticTokens(map[string]*User{"t0ken": {Name: "bootstrap", Groups: []string{"system:bootstrappers"}}})
	u, ok, err := s.Authenticate(requestWithToken("t0ken"))
	if err != nil || !ok || u.Name != "bootstrap" || !slices.Equal(u.Groups, []string{"system:bootstrappers", "system:authenticated"}) {
		t.Fatalf("Authenticate = %+v, %v, %v", u, ok, err)
	}
	u.Groups[0] = "system:masters"
	if u2, _, _ := s.Authenticate(requestWithToken("t0ken")); u2.Groups[0] != "system:bootstrappers" {
		t.Error("caller changed the stored user")
	}
	if _, ok, err := s.Authenticate(requestWithToken("nope")); ok || err != nil {
		t.Errorf("unknown token: %v, %v; want no credentials", ok, err)
	}
	s.Delete("t0ken")
	if _, ok, _ := s.Authenticate(requestWithToken("t0ken")); ok {
		t.Error("deleted token still accepted")
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	if _, ok, err := s.Authenticate(r); ok || err != nil {
		t.Errorf("basic auth: %v, %v; want no credentials", ok, err)
	}
}

func TestUnionOfRealAuthenticators(t *testing.T) {
	b := bundle(t)
	iss, err := NewTokenIssuer(b.ServiceAccountKey, "")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := iss.Issue("kube-system", "scheduler", "uid", nil, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	un := Union{
		&X509{Roots: b.CAPool()},
		&ServiceAccountTokens{Keys: []crypto.PublicKey{b.ServiceAccountKey.Public()}},
		NewStaticTokens(map[string]*User{"static": {Name: "tester"}}),
	}
	// A client certificate is tried first, so it wins over a token.
	r := tlsRequest(t, b.Admin.CertPEM)
	r.Header.Set("Authorization", "Bearer "+token)
	if u, ok, err := un.Authenticate(r); err != nil || !ok || u.Name != "bosun-admin" {
		t.Errorf("cert and token: %+v, %v, %v", u, ok, err)
	}
	if u, ok, err := un.Authenticate(requestWithToken(token)); err != nil || !ok || u.Name != "system:serviceaccount:kube-system:scheduler" {
		t.Errorf("token: %+v, %v, %v", u, ok, err)
	}
	if u, ok, err := un.Authenticate(requestWithToken("static")); err != nil || !ok || u.Name != "tester" {
		t.Errorf("static token: %+v, %v, %v", u, ok, err)
	}
	if u, ok, err := un.Authenticate(httptest.NewRequest("GET", "/", nil)); ok || err != nil {
		t.Errorf("anonymous: %+v, %v, %v; want no credentials", u, ok, err)
	}
}

func TestAlwaysAllow(t *testing.T) {
	var a Authorizer = AlwaysAllow{}
	ok, _, err := a.Authorize(context.Background(), Attributes{User: &User{Name: "x"}, Verb: "delete", Resource: "nodes", ResourceRequest: true})
	if !ok || err != nil {
		t.Errorf("AlwaysAllow = %v, %v", ok, err)
	}
}
