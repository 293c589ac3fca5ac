package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func requestWithToken(token string) *http.Request {
	r := httptest.NewRequest("GET", "/api", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newIssuer(t *testing.T, key crypto.Signer) *TokenIssuer {
	t.Helper()
	iss, err := NewTokenIssuer(key, "")
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func TestServiceAccountTokenRoundTrip(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]crypto.Signer{"ES256": ecKey(t), "RS256": rsaKey} {
		t.Run(name, func(t *testing.T) {
			iss := newIssuer(t, key)
			token, exp, err := iss.Issue("team-a", "builder", "sa-uid-1", nil, time.Hour,
				&BoundObject{Kind: "Pod", Name: "build-0", UID: "pod-uid-1"})
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Until(exp); d > time.Hour || d < 59*time.Minute {
				t.Errorf("expiry in %v, want 1h", d)
			}
			header, _, _, _, err := splitJWS(token)
			if err != nil || header.Alg != name || header.Kid == "" {
				t.Errorf("header = %+v, err %v; want alg %s with a kid", header, err, name)
			}

			a := &ServiceAccountTokens{Keys: []crypto.PublicKey{ecKey(t).Public(), key.Public()}}
			u, ok, err := a.Authenticate(requestWithToken(token))
			if err != nil || !ok {
				t.Fatalf("Authenticate = %v, %v", ok, err)
			}
			if u.Name != "system:serviceaccount:team-a:builder" || u.UID != "sa-uid-1" {
				t.Errorf("user = %q uid %q", u.Name, u.UID)
			}
			wantGroups := []string{"system:serviceaccounts", "system:serviceaccounts:team-a", "system:authenticated"}
			if !slices.Equal(u.Groups, wantGroups) {
				t.Errorf("groups = %v, want %v", u.Groups, wantGroups)
			}
			if !slices.Equal(u.Extra[ExtraPodName], []string{"build-0"}) || !slices.Equal(u.Extra[ExtraPodUID], []string{"pod-uid-1"}) {
				t.Errorf("extra = %v, want the bound pod", u.Extra)
			}
			if !strings.HasPrefix(u.Extra[ExtraCredentialID][0], "JTI=") {
				t.Errorf("credential id = %v", u.Extra[ExtraCredentialID])
			}
		})
	}
}

// The payload must look like Kubernetes' so tools that read tokens work.
func TestServiceAccountTokenClaimsShape(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	iss := newIssuer(t, ecKey(t))
	iss.Now = func() time.Time { return now }
	token, _, err := iss.Issue("default", "default", "u1", []string{"vault"}, 10*time.Minute,
		&BoundObject{Kind: "Pod", Name: "p", UID: "pu"})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(payload, &got); err != nil {
		t.Fatal(err)
	}
	delete(got, "jti")
	want := map[string]any{
		"iss": "https://kubernetes.default.svc.cluster.local",
		"sub": "system:serviceaccount:default:default",
		"aud": []any{"vault"},
		"iat": float64(1_800_000_000), "nbf": float64(1_800_000_000), "exp": float64(1_800_000_600),
		"kubernetes.io": map[string]any{
			"namespace":      "default",
			"serviceaccount": map[string]any{"name": "default", "uid": "u1"},
			"pod":            map[string]any{"name": "p", "uid": "pu"},
		},
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("claims\n got %s\nwant %s", gotJSON, wantJSON)
	}
}

func TestServiceAccountTokenRejected(t *testing.T) {
	key := ecKey(t)
	now := time.Unix(1_800_000_000, 0)
	iss := newIssuer(t, key)
	iss.Now = func() time.Time { return now }
	good, _, err := iss.Issue("ns", "sa", "uid", []string{"api"}, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	var claims map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(raw, &claims)
	claims["sub"] = "system:serviceaccount:kube-system:admin"
	forged, _ := json.Marshal(claims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]

	otherIssuer, err := NewTokenIssuer(key, "https://elsewhere.example")
	if err != nil {
		t.Fatal(err)
	}
	otherIssuer.Now = iss.Now
	foreign, _, _ := otherIssuer.Issue("ns", "sa", "uid", []string{"api"}, time.Hour, nil)

	accepting := func(keys ...crypto.PublicKey) *ServiceAccountTokens {
		return &ServiceAccountTokens{Keys: keys, Audiences: []string{"api"}, Now: func() time.Time { return now }}
	}
	tests := []struct {
		name   string
		a      *ServiceAccountTokens
		token  string
		wantOK bool
		// wantErr false with wantOK false means "not ours": no credentials
		// of this kind.
		wantErr bool
	}{
		{"valid", accepting(key.Public()), good, true, false},
		{"expired", &ServiceAccountTokens{Keys: []crypto.PublicKey{key.Public()}, Audiences: []string{"api"},
			Now: func() time.Time { return now.Add(time.Hour) }}, good, false, true},
		{"not yet valid", &ServiceAccountTokens{Keys: []crypto.PublicKey{key.Public()}, Audiences: []string{"api"},
			Now: func() time.Time { return now.Add(-2 * leeway) }}, good, false, true},
		{"wrong key", accepting(ecKey(t).Public()), good, false, true},
		{"wrong audience", &ServiceAccountTokens{Keys: []crypto.PublicKey{key.Public()}, Audiences: []string{"other"},
			Now: func() time.Time { return now }}, good, false, true},
		{"default audience is the issuer", &ServiceAccountTokens{Keys: []crypto.PublicKey{key.Public()},
			Now: func() time.Time { return now }}, good, false, true},
		{"tampered payload", accepting(key.Public()), tampered, false, true},
		{"alg none", accepting(key.Public()), base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".", false, true},
		{"other issuer", accepting(key.Public()), foreign, false, false},
		{"not a jwt", accepting(key.Public()), "abcdef.0123456789abcdef", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok, err := tt.a.Authenticate(requestWithToken(tt.token))
			t.Logf("ok %v, err %v", ok, err)
			if ok != tt.wantOK || (err != nil) != tt.wantErr {
				t.Fatalf("Authenticate = %v, %v, %v; want ok %v, error %v", u, ok, err, tt.wantOK, tt.wantErr)
			}
		})
	}
}

func TestServiceAccountValidateHook(t *testing.T) {
	key := ecKey(t)
	token, _, err := newIssuer(t, key).Issue("ns", "sa", "uid-old", nil, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := &ServiceAccountTokens{Keys: []crypto.PublicKey{key.Public()}}
	a.Validate = func(_ context.Context, c *Claims) error {
		if c.Kubernetes.ServiceAccount.UID != "uid-new" {
			return errors.New("service account was recreated")
		}
		return nil
	}
	if _, ok, err := a.Authenticate(requestWithToken(token)); ok || err == nil {
		t.Fatalf("token of a deleted service account accepted: %v, %v", ok, err)
	}
}

func TestIssueRejectsBadInput(t *testing.T) {
	iss := newIssuer(t, ecKey(t))
	for name, call := range map[string]func() error{
		"no namespace": func() error { _, _, err := iss.Issue("", "sa", "", nil, time.Hour, nil); return err },
		"zero ttl":     func() error { _, _, err := iss.Issue("ns", "sa", "", nil, 0, nil); return err },
		"bad kind": func() error {
			_, _, err := iss.Issue("ns", "sa", "", nil, time.Hour, &BoundObject{Kind: "ConfigMap", Name: "c"})
			return err
		},
	} {
		if call() == nil {
			t.Errorf("%s: Issue succeeded", name)
		}
	}
	if _, err := NewTokenIssuer(mustP384(t), ""); err == nil {
		t.Error("NewTokenIssuer accepted a P-384 key")
	}
}

func mustP384(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
