package auth

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// SecretGetter reads a kube-system Secret by name; a client-go
// SecretNamespaceLister is one.
type SecretGetter interface {
	Get(name string) (*corev1.Secret, error)
}

// BootstrapTokens authenticates bearer bootstrap tokens ("<id>.<secret>")
// against their Secrets in kube-system, as user system:bootstrap:<id> in
// system:bootstrappers and the token's extra groups. The Secrets are read
// through a getter set with SetSecrets once the server can watch its own
// API; until then bootstrap tokens are not recognised.
type BootstrapTokens struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	secrets atomic.Pointer[SecretGetter]
}

// SetSecrets starts authenticating against g.
func (b *BootstrapTokens) SetSecrets(g SecretGetter) { b.secrets.Store(&g) }

// Authenticate implements Authenticator. A bearer token of another shape is
// not ours; one of ours that does not check out is an error.
func (b *BootstrapTokens) Authenticate(r *http.Request) (*User, bool, error) {
	raw, ok := bearerToken(r)
	if !ok {
		return nil, false, nil
	}
	token, err := ParseBootstrapToken(raw)
	if err != nil {
		return nil, false, nil
	}
	g := b.secrets.Load()
	if g == nil {
		return nil, false, fmt.Errorf("bootstrap token %s: token secrets are not loaded yet", token.ID)
	}
	s, err := (*g).Get(token.SecretName())
	if apierrors.IsNotFound(err) {
		return nil, false, fmt.Errorf("bootstrap token %s: no secret %s/%s", token.ID, BootstrapTokenNamespace, token.SecretName())
	}
	if err != nil {
		return nil, false, fmt.Errorf("bootstrap token %s: %w", token.ID, err)
	}
	now := time.Now()
	if b.Now != nil {
		now = b.Now()
	}
	u, err := bootstrapUser(token, s, now)
	if err != nil {
		return nil, false, fmt.Errorf("bootstrap token %s: %w", token.ID, err)
	}
	return u, true, nil
}

// bootstrapUser checks token against its Secret at time now.
func bootstrapUser(token BootstrapToken, s *corev1.Secret, now time.Time) (*User, error) {
	if s.DeletionTimestamp != nil {
		return nil, fmt.Errorf("secret is being deleted")
	}
	info, err := ParseBootstrapTokenSecret(s)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(info.Token.Secret), []byte(token.Secret)) != 1 {
		return nil, fmt.Errorf("wrong token secret")
	}
	if !info.Expires.IsZero() && !now.Before(info.Expires) {
		return nil, fmt.Errorf("expired at %s", info.Expires.Format(time.RFC3339))
	}
	if !slices.Contains(info.Usages, UsageAuthentication) {
		return nil, fmt.Errorf("not usable for authentication (%s%s is not \"true\")", BootstrapTokenUsagePrefix, UsageAuthentication)
	}
	groups := []string{GroupBootstrappers}
	for _, g := range info.ExtraGroups {
		groups = withGroup(groups, g)
	}
	return &User{Name: BootstrapUserPrefix + token.ID, Groups: withGroup(groups, GroupAuthenticated)}, nil
}
