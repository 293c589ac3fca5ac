package auth

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// secretMap is a SecretGetter over Secrets stored as the API server stores
// them: StringData folded into Data.
type secretMap map[string]*corev1.Secret

func (m secretMap) Get(name string) (*corev1.Secret, error) {
	s, ok := m[name]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
	}
	return s, nil
}

func stored(s *corev1.Secret) *corev1.Secret {
	s = s.DeepCopy()
	s.Data = map[string][]byte{}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
	return s
}

func TestBootstrapTokenAuthenticate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	good := BootstrapToken{ID: "abcdef", Secret: "0123456789abcdef"}
	secret := func(mutate func(*corev1.Secret)) *corev1.Secret {
		s := stored(NewBootstrapTokenSecret(good, BootstrapTokenOptions{Expires: now.Add(time.Hour), Description: "test"}))
		if mutate != nil {
			mutate(s)
		}
		return s
	}
	tests := []struct {
		name       string
		header     string
		secret     *corev1.Secret
		wantUser   string
		wantGroups []string
		wantErr    string // substring; "" means no error
	}{
		{name: "valid", header: "Bearer " + good.String(), secret: secret(nil),
			wantUser: "system:bootstrap:abcdef", wantGroups: []string{GroupBootstrappers, DefaultNodeTokenGroup, GroupAuthenticated}},
		{name: "no expiry", header: "Bearer " + good.String(),
			secret:   secret(func(s *corev1.Secret) { delete(s.Data, BootstrapTokenExpirationKey) }),
			wantUser: "system:bootstrap:abcdef", wantGroups: []string{GroupBootstrappers, DefaultNodeTokenGroup, GroupAuthenticated}},
		{name: "no extra groups", header: "Bearer " + good.String(),
			secret:   secret(func(s *corev1.Secret) { delete(s.Data, BootstrapTokenExtraGroupsKey) }),
			wantUser: "system:bootstrap:abcdef", wantGroups: []string{GroupBootstrappers, GroupAuthenticated}},
		{name: "no header", header: "", secret: secret(nil)},
		{name: "other token shape", header: "Bearer eyJhbGciOi.x.y", secret: secret(nil)},
		{name: "wrong secret", header: "Bearer abcdef.0123456789abcdee", secret: secret(nil), wantErr: "wrong token secret"},
		{name: "unknown id", header: "Bearer zzzzzz.0123456789abcdef", secret: secret(nil), wantErr: "no secret kube-system/bootstrap-token-zzzzzz"},
		{name: "expired", header: "Bearer " + good.String(),
			secret:  secret(func(s *corev1.Secret) { s.Data[BootstrapTokenExpirationKey] = []byte(now.Format(time.RFC3339)) }),
			wantErr: "expired at 2026-03-01T12:00:00Z"},
		{name: "not for authentication", header: "Bearer " + good.String(),
			secret:  secret(func(s *corev1.Secret) { s.Data["usage-bootstrap-authentication"] = []byte("false") }),
			wantErr: "not usable for authentication"},
		{name: "wrong type", header: "Bearer " + good.String(),
			secret:  secret(func(s *corev1.Secret) { s.Type = corev1.SecretTypeOpaque }),
			wantErr: `has type "Opaque"`},
		{name: "group outside system:bootstrappers", header: "Bearer " + good.String(),
			secret:  secret(func(s *corev1.Secret) { s.Data[BootstrapTokenExtraGroupsKey] = []byte("system:masters") }),
			wantErr: `extra group "system:masters"`},
		{name: "id differs from name", header: "Bearer " + good.String(),
			secret:  secret(func(s *corev1.Secret) { s.Data[BootstrapTokenIDKey] = []byte("ghijkl") }),
			wantErr: "the name must be bootstrap-token-ghijkl"},
		{name: "being deleted", header: "Bearer " + good.String(),
			secret:  secret(func(s *corev1.Secret) { s.DeletionTimestamp = &metav1.Time{Time: now} }),
			wantErr: "being deleted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := &BootstrapTokens{Now: func() time.Time { return now }}
			a.SetSecrets(secretMap{tc.secret.Name: tc.secret})
			r := requestWithToken("")
			r.Header.Set("Authorization", tc.header)
			u, ok, err := a.Authenticate(r)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || ok {
					t.Fatalf("Authenticate = %v, %v, %v; want error containing %q", u, ok, err, tc.wantErr)
				}
			case tc.wantUser == "":
				if ok || err != nil {
					t.Fatalf("Authenticate = %v, %v, %v; want not ours", u, ok, err)
				}
			default:
				if err != nil || !ok {
					t.Fatalf("Authenticate: ok %v, err %v", ok, err)
				}
				if u.Name != tc.wantUser || !slices.Equal(u.Groups, tc.wantGroups) {
					t.Errorf("user %s %v, want %s %v", u.Name, u.Groups, tc.wantUser, tc.wantGroups)
				}
			}
		})
	}
}

func TestBootstrapTokensBeforeSecrets(t *testing.T) {
	a := &BootstrapTokens{}
	if _, ok, err := a.Authenticate(requestWithToken("abcdef.0123456789abcdef")); ok || err == nil {
		t.Fatalf("authenticated before secrets were set: ok %v, err %v", ok, err)
	}
}

func TestGenerateBootstrapToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, err := GenerateBootstrapToken()
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := ParseBootstrapToken(tok.String())
		if err != nil || parsed != tok {
			t.Fatalf("token %q does not parse back: %v", tok, err)
		}
		if seen[tok.ID] {
			t.Fatalf("id %s generated twice in 100 draws", tok.ID)
		}
		seen[tok.ID] = true
	}
}

func TestParseBootstrapToken(t *testing.T) {
	for s, ok := range map[string]bool{
		"abcdef.0123456789abcdef":  true,
		"ABCDEF.0123456789abcdef":  false,
		"abcdef0123456789abcdef":   false,
		"abcde.0123456789abcdef":   false,
		"abcdef.0123456789abcdef0": false,
		" abcdef.0123456789abcdef": false,
	} {
		if _, err := ParseBootstrapToken(s); (err == nil) != ok {
			t.Errorf("ParseBootstrapToken(%q) error %v, want ok %v", s, err, ok)
		}
	}
}

func TestBootstrapTokenSecretRoundTrip(t *testing.T) {
	tok := BootstrapToken{ID: "abcdef", Secret: "0123456789abcdef"}
	exp := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	s := NewBootstrapTokenSecret(tok, BootstrapTokenOptions{Expires: exp, Description: "node join"})
	if s.Name != "bootstrap-token-abcdef" || s.Namespace != "kube-system" || s.Type != "bootstrap.kubernetes.io/token" {
		t.Fatalf("secret %s/%s type %s", s.Namespace, s.Name, s.Type)
	}
	want := map[string]string{
		"token-id": "abcdef", "token-secret": "0123456789abcdef", "expiration": "2026-03-02T00:00:00Z",
		"usage-bootstrap-authentication": "true", "usage-bootstrap-signing": "true",
		"auth-extra-groups": "system:bootstrappers:bosun:default-node-token", "description": "node join",
	}
	for k, v := range want {
		if s.StringData[k] != v {
			t.Errorf("data[%s] = %q, want %q", k, s.StringData[k], v)
		}
	}
	for _, s := range []*corev1.Secret{s, stored(s)} {
		info, err := ParseBootstrapTokenSecret(s)
		if err != nil {
			t.Fatal(err)
		}
		if info.Token != tok || !info.Expires.Equal(exp) || info.Description != "node join" ||
			!slices.Equal(info.Usages, []string{UsageAuthentication, UsageSigning}) ||
			!slices.Equal(info.ExtraGroups, []string{DefaultNodeTokenGroup}) {
			t.Errorf("parsed %+v", info)
		}
	}
}
