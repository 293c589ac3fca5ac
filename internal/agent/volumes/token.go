package volumes

import (
	"context"
	"fmt"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// defaultTokenSeconds is the lifetime asked for when a projection names
// none (the API server defaults it too).
const defaultTokenSeconds int64 = 3600

// maxTokenAge bounds how long a token is kept even when the API server
// issued a longer one than asked for, as kubelet does.
const maxTokenAge = 24 * time.Hour

type tokenKey struct {
	namespace, serviceAccount, audience string
	seconds                             int64
	pod                                 types.UID
}

type token struct {
	value    string
	issued   time.Time
	expires  time.Time
	lifetime time.Duration
}

// tokens caches bound service account tokens per pod and projection and
// fetches a new one once 80% of the old one's lifetime has passed.
type tokens struct {
	client kubernetes.Interface
	clock  clock.PassiveClock
	mu     sync.Mutex
	cache  map[tokenKey]token
}

func newTokens(client kubernetes.Interface, clk clock.PassiveClock) *tokens {
	return &tokens{client: client, clock: clk, cache: map[tokenKey]token{}}
}

// needsRefresh: kubelet renews at 80% of the requested lifetime, or after
// a day whatever the lifetime, so a revoked binding does not live long.
func needsRefresh(now time.Time, t token) bool {
	return !now.Before(t.expires.Add(-t.lifetime/5)) || now.Sub(t.issued) > maxTokenAge
}

// get returns a token for pod's service account as projection p asks.
func (t *tokens) get(ctx context.Context, pod *corev1.Pod, p *corev1.ServiceAccountTokenProjection) (string, error) {
	seconds := defaultTokenSeconds
	if p.ExpirationSeconds != nil {
		seconds = *p.ExpirationSeconds
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	key := tokenKey{namespace: pod.Namespace, serviceAccount: sa, audience: p.Audience, seconds: seconds, pod: pod.UID}
	now := t.clock.Now()
	t.mu.Lock()
	cached, ok := t.cache[key]
	t.mu.Unlock()
	if ok && !needsRefresh(now, cached) {
		return cached.value, nil
	}
	var audiences []string
	if p.Audience != "" {
		audiences = []string{p.Audience}
	}
	tr, err := t.client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{
			Audiences:         audiences,
			ExpirationSeconds: &seconds,
			BoundObjectRef:    &authenticationv1.BoundObjectReference{APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		if ok && now.Before(cached.expires) {
			// Keep serving the still-valid token; the next resync retries.
			return cached.value, nil
		}
		return "", fmt.Errorf("failed to fetch token: %w", err)
	}
	fresh := token{value: tr.Status.Token, issued: now, expires: tr.Status.ExpirationTimestamp.Time,
		lifetime: time.Duration(seconds) * time.Second}
	t.mu.Lock()
	t.cache[key] = fresh
	t.mu.Unlock()
	return fresh.value, nil
}

// forget drops a pod's tokens when its volumes are torn down.
func (t *tokens) forget(uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.cache {
		if k.pod == uid {
			delete(t.cache, k)
		}
	}
}
