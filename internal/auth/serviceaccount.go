package auth

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// DefaultIssuer is the "iss" of service-account tokens, and by default their
// audience.
const DefaultIssuer = "https://kubernetes.default.svc.cluster.local"

const (
	serviceAccountPrefix = "system:serviceaccount:"
	// leeway tolerates clocks of other servers that run a little ahead of
	// ours when checking nbf and iat. Expiry gets none.
	leeway = time.Minute

	// User.Extra keys Kubernetes sets for service-account tokens.
	ExtraPodName      = "authentication.kubernetes.io/pod-name"
	ExtraPodUID       = "authentication.kubernetes.io/pod-uid"
	ExtraNodeName     = "authentication.kubernetes.io/node-name"
	ExtraNodeUID      = "authentication.kubernetes.io/node-uid"
	ExtraCredentialID = "authentication.kubernetes.io/credential-id"
)

// BoundObject is the object a token's validity is tied to: when it is
// deleted, the token stops working.
type BoundObject struct {
	// Kind is "Pod", "Secret" or "Node".
	Kind string
	Name string
	UID  string
}

// ObjectRef names an object in the private claims.
type ObjectRef struct {
	Name string `json:"name"`
	UID  string `json:"uid"`
}

// PrivateClaims are the "kubernetes.io" claims.
type PrivateClaims struct {
	Namespace      string     `json:"namespace"`
	ServiceAccount ObjectRef  `json:"serviceaccount"`
	Pod            *ObjectRef `json:"pod,omitempty"`
	Secret         *ObjectRef `json:"secret,omitempty"`
	Node           *ObjectRef `json:"node,omitempty"`
}

// Claims is a service-account token's payload, shaped as Kubernetes issues
// it so clients that inspect tokens see what they expect.
type Claims struct {
	Issuer     string         `json:"iss"`
	Subject    string         `json:"sub"`
	Audience   Audience       `json:"aud"`
	Expiry     int64          `json:"exp"`
	IssuedAt   int64          `json:"iat"`
	NotBefore  int64          `json:"nbf"`
	ID         string         `json:"jti,omitempty"`
	Kubernetes *PrivateClaims `json:"kubernetes.io,omitempty"`
}

// Audience is the "aud" claim, which JWT allows as a string or an array.
type Audience []string

// UnmarshalJSON accepts both forms.
func (a *Audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = Audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("decode aud claim: %w", err)
	}
	*a = many
	return nil
}

// TokenIssuer signs service-account tokens.
type TokenIssuer struct {
	key    crypto.Signer
	alg    string
	kid    string
	issuer string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewTokenIssuer returns an issuer signing with key (ECDSA P-256 gives ES256,
// RSA gives RS256). An empty issuer means DefaultIssuer.
func NewTokenIssuer(key crypto.Signer, issuer string) (*TokenIssuer, error) {
	alg, err := algFor(key.Public())
	if err != nil {
		return nil, fmt.Errorf("token issuer: %w", err)
	}
	kid, err := keyID(key.Public())
	if err != nil {
		return nil, fmt.Errorf("token issuer: %w", err)
	}
	if issuer == "" {
		issuer = DefaultIssuer
	}
	return &TokenIssuer{key: key, alg: alg, kid: kid, issuer: issuer}, nil
}

// Issue returns a token for service account namespace/saName, valid for ttl,
// and its expiry. Empty audiences mean the issuer itself (the API server's
// default audience). A non-nil bound ties the token to that object.
func (t *TokenIssuer) Issue(namespace, saName, saUID string, audiences []string, ttl time.Duration, bound *BoundObject) (string, time.Time, error) {
	if namespace == "" || saName == "" {
		return "", time.Time{}, errors.New("issue service account token: namespace and name are required")
	}
	if ttl <= 0 {
		return "", time.Time{}, fmt.Errorf("issue service account token for %s/%s: lifetime %v must be positive", namespace, saName, ttl)
	}
	if len(audiences) == 0 {
		audiences = []string{t.issuer}
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	iat := now().Truncate(time.Second)
	exp := iat.Add(ttl)
	jti, err := newID()
	if err != nil {
		return "", time.Time{}, err
	}
	pc := &PrivateClaims{Namespace: namespace, ServiceAccount: ObjectRef{Name: saName, UID: saUID}}
	if bound != nil {
		ref := &ObjectRef{Name: bound.Name, UID: bound.UID}
		switch bound.Kind {
		case "Pod":
			pc.Pod = ref
		case "Secret":
			pc.Secret = ref
		case "Node":
			pc.Node = ref
		default:
			return "", time.Time{}, fmt.Errorf("issue service account token for %s/%s: cannot bind to kind %q", namespace, saName, bound.Kind)
		}
	}
	claims := Claims{
		Issuer:     t.issuer,
		Subject:    serviceAccountPrefix + namespace + ":" + saName,
		Audience:   slices.Clone(audiences),
		Expiry:     exp.Unix(),
		IssuedAt:   iat.Unix(),
		NotBefore:  iat.Unix(),
		ID:         jti,
		Kubernetes: pc,
	}
	token, err := signJWS(t.key, t.alg, t.kid, claims)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issue service account token for %s/%s: %w", namespace, saName, err)
	}
	return token, exp, nil
}

func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate token id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // UUID version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

// ServiceAccountTokens authenticates bearer tokens made by a TokenIssuer.
type ServiceAccountTokens struct {
	// Keys are the public keys tokens may be signed with (several while a
	// signing key is rotated).
	Keys []crypto.PublicKey
	// Issuers are the accepted "iss" values; empty means DefaultIssuer.
	// Tokens from other issuers are left to other authenticators.
	Issuers []string
	// Audiences are the accepted audiences; a token must name at least one.
	// Empty means the accepted issuers.
	Audiences []string
	// Validate, if set, is called with the verified claims, to check that
	// the service account and bound object still exist with the UIDs named.
	Validate func(ctx context.Context, c *Claims) error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Authenticate implements Authenticator.
func (s *ServiceAccountTokens) Authenticate(r *http.Request) (*User, bool, error) {
	token, ok := bearerToken(r)
	if !ok {
		return nil, false, nil
	}
	header, payload, sig, input, err := splitJWS(token)
	if err != nil {
		return nil, false, nil // some other kind of bearer token
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, false, nil
	}
	issuers := s.Issuers
	if len(issuers) == 0 {
		issuers = []string{DefaultIssuer}
	}
	if !slices.Contains(issuers, c.Issuer) {
		return nil, false, nil // another issuer's JWT, e.g. OIDC
	}
	if err := verifyJWS(header, input, sig, s.Keys); err != nil {
		return nil, false, fmt.Errorf("service account token: %w", err)
	}
	if err := s.check(&c, issuers); err != nil {
		return nil, false, fmt.Errorf("service account token: %w", err)
	}
	if s.Validate != nil {
		if err := s.Validate(r.Context(), &c); err != nil {
			return nil, false, fmt.Errorf("service account token for %s: %w", c.Subject, err)
		}
	}
	pc := c.Kubernetes
	u := &User{
		Name: c.Subject,
		UID:  pc.ServiceAccount.UID,
		Groups: []string{
			GroupServiceAccounts,
			GroupServiceAccounts + ":" + pc.Namespace,
			GroupAuthenticated,
		},
		Extra: map[string][]string{},
	}
	if pc.Pod != nil {
		u.Extra[ExtraPodName] = []string{pc.Pod.Name}
		u.Extra[ExtraPodUID] = []string{pc.Pod.UID}
	}
	if pc.Node != nil {
		u.Extra[ExtraNodeName] = []string{pc.Node.Name}
		u.Extra[ExtraNodeUID] = []string{pc.Node.UID}
	}
	if c.ID != "" {
		u.Extra[ExtraCredentialID] = []string{"JTI=" + c.ID}
	}
	return u, true, nil
}

// check validates the verified claims: times, audience, and that the subject
// agrees with the private claims.
func (s *ServiceAccountTokens) check(c *Claims, issuers []string) error {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	if c.Expiry == 0 || !now.Before(time.Unix(c.Expiry, 0)) {
		return errors.New("token has expired")
	}
	if c.NotBefore != 0 && now.Add(leeway).Before(time.Unix(c.NotBefore, 0)) {
		return errors.New("token is not valid yet")
	}
	if c.IssuedAt != 0 && now.Add(leeway).Before(time.Unix(c.IssuedAt, 0)) {
		return errors.New("token was issued in the future")
	}
	audiences := s.Audiences
	if len(audiences) == 0 {
		audiences = issuers
	}
	if !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(audiences, a) }) {
		return fmt.Errorf("token audiences %q are not accepted", []string(c.Audience))
	}
	pc := c.Kubernetes
	if pc == nil || pc.Namespace == "" || pc.ServiceAccount.Name == "" {
		return errors.New("token lacks kubernetes.io claims")
	}
	if want := serviceAccountPrefix + pc.Namespace + ":" + pc.ServiceAccount.Name; c.Subject != want {
		return fmt.Errorf("token subject %q does not match its claims (%q)", c.Subject, want)
	}
	if strings.Count(c.Subject, ":") != 3 {
		return fmt.Errorf("malformed token subject %q", c.Subject)
	}
	return nil
}
