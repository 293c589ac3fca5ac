package server

import (
	"context"
	"crypto"
	"fmt"
	"log/slog"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/pki"
)

// authenticators accepts client certificates signed by the cluster CA,
// service-account tokens signed with the cluster's key and bootstrap tokens
// (once watchBootstrapTokens feeds them), and returns the issuer for new
// service-account tokens.
func authenticators(b *pki.Bundle) (auth.Authenticator, *auth.TokenIssuer, *auth.BootstrapTokens, error) {
	issuer, err := auth.NewTokenIssuer(b.ServiceAccountKey, "")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("service account token issuer: %w", err)
	}
	tokens := &auth.BootstrapTokens{}
	return auth.Union{
		&auth.X509{Roots: b.CAPool()},
		&auth.ServiceAccountTokens{Keys: []crypto.PublicKey{b.ServiceAccountKey.Public()}},
		tokens,
	}, issuer, tokens, nil
}

// watchBootstrapTokens keeps a cache of kube-system's bootstrap token
// Secrets and hands it to tokens once it has synced. The authenticator is
// built before the API server serves, and this cache needs that API, so it
// arrives later; joins before then fail with 401 and are retried.
func watchBootstrapTokens(ctx context.Context, client kubernetes.Interface, tokens *auth.BootstrapTokens) {
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithNamespace(auth.BootstrapTokenNamespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("type", string(auth.BootstrapTokenSecretType)).String()
		}))
	secrets := factory.Core().V1().Secrets()
	informer := secrets.Informer()
	factory.Start(ctx.Done())
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
			return
		}
		tokens.SetSecrets(secrets.Lister().Secrets(auth.BootstrapTokenNamespace))
		slog.Debug("Bootstrap token authentication ready")
		<-ctx.Done()
		factory.Shutdown()
	}()
}
