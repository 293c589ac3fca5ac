package server

import (
	"crypto"
	"fmt"

	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/pki"
)

// authenticators accepts client certificates signed by the cluster CA and
// service-account tokens signed with the cluster's key, and returns the
// issuer for new tokens.
func authenticators(b *pki.Bundle) (auth.Authenticator, *auth.TokenIssuer, error) {
	issuer, err := auth.NewTokenIssuer(b.ServiceAccountKey, "")
	if err != nil {
		return nil, nil, fmt.Errorf("service account token issuer: %w", err)
	}
	return auth.Union{
		&auth.X509{Roots: b.CAPool()},
		&auth.ServiceAccountTokens{Keys: []crypto.PublicKey{b.ServiceAccountKey.Public()}},
	}, issuer, nil
}
