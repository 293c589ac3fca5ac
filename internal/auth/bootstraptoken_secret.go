package auth

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Bootstrap tokens are Kubernetes' (kubeadm's) join credentials: a Secret in
// kube-system per token, whose name carries the public ID and whose data
// carries the secret half, expiry, usages and extra groups. Keeping the
// format lets kubeadm-style tooling list and make them.
const (
	BootstrapTokenNamespace    = metav1.NamespaceSystem
	BootstrapTokenSecretPrefix = "bootstrap-token-"
	BootstrapTokenSecretType   = corev1.SecretType("bootstrap.kubernetes.io/token")

	BootstrapTokenIDKey          = "token-id"
	BootstrapTokenSecretKey      = "token-secret"
	BootstrapTokenExpirationKey  = "expiration"
	BootstrapTokenDescriptionKey = "description"
	BootstrapTokenExtraGroupsKey = "auth-extra-groups"
	// BootstrapTokenUsagePrefix starts the keys naming a token's usages
	// ("usage-bootstrap-authentication"); a usage is on when its value is "true".
	BootstrapTokenUsagePrefix = "usage-bootstrap-"
	UsageAuthentication       = "authentication"
	UsageSigning              = "signing"

	// GroupBootstrappers is every bootstrap token user's group; extra groups
	// must extend it.
	GroupBootstrappers = "system:bootstrappers"
	// DefaultNodeTokenGroup is the extra group of tokens minted for nodes.
	DefaultNodeTokenGroup = "system:bootstrappers:bosun:default-node-token"
	// BootstrapUserPrefix and the token ID name a bootstrap token's user.
	BootstrapUserPrefix = "system:bootstrap:"
)

var (
	tokenRE      = regexp.MustCompile(`^([a-z0-9]{6})\.([a-z0-9]{16})$`)
	tokenIDRE    = regexp.MustCompile(`^[a-z0-9]{6}$`)
	extraGroupRE = regexp.MustCompile(`^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$`)
)

// BootstrapToken is a parsed "<id>.<secret>" token.
type BootstrapToken struct {
	ID     string
	Secret string
}

// String is the token as a client sends it.
func (t BootstrapToken) String() string { return t.ID + "." + t.Secret }

// SecretName is the name of the Secret holding the token.
func (t BootstrapToken) SecretName() string { return BootstrapTokenSecretPrefix + t.ID }

// ParseBootstrapToken splits "abcdef.0123456789abcdef".
func ParseBootstrapToken(s string) (BootstrapToken, error) {
	m := tokenRE.FindStringSubmatch(s)
	if m == nil {
		return BootstrapToken{}, fmt.Errorf("parse bootstrap token: want [a-z0-9]{6}.[a-z0-9]{16}")
	}
	return BootstrapToken{ID: m[1], Secret: m[2]}, nil
}

// IsBootstrapTokenID reports whether s is a token ID (the public half).
func IsBootstrapTokenID(s string) bool { return tokenIDRE.MatchString(s) }

// GenerateBootstrapToken makes a random token from crypto/rand.
func GenerateBootstrapToken() (BootstrapToken, error) {
	id, err := randomTokenString(6)
	if err != nil {
		return BootstrapToken{}, err
	}
	secret, err := randomTokenString(16)
	if err != nil {
		return BootstrapToken{}, err
	}
	return BootstrapToken{ID: id, Secret: secret}, nil
}

const tokenAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomTokenString draws n characters uniformly from tokenAlphabet,
// rejecting bytes past the largest multiple of its length so no character
// is likelier than another.
func randomTokenString(n int) (string, error) {
	const limit = 256 - 256%len(tokenAlphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("generate bootstrap token: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, tokenAlphabet[int(b)%len(tokenAlphabet)])
			}
		}
	}
	return string(out), nil
}

// BootstrapTokenOptions say what a new token's Secret allows.
type BootstrapTokenOptions struct {
	// Expires is when the token stops working; zero means never.
	Expires     time.Time
	Description string
	// Usages default to authentication and signing.
	Usages []string
	// ExtraGroups default to DefaultNodeTokenGroup.
	ExtraGroups []string
}

// NewBootstrapTokenSecret is the Secret that makes t valid.
func NewBootstrapTokenSecret(t BootstrapToken, opts BootstrapTokenOptions) *corev1.Secret {
	usages := opts.Usages
	if usages == nil {
		usages = []string{UsageAuthentication, UsageSigning}
	}
	groups := opts.ExtraGroups
	if groups == nil {
		groups = []string{DefaultNodeTokenGroup}
	}
	data := map[string]string{BootstrapTokenIDKey: t.ID, BootstrapTokenSecretKey: t.Secret}
	for _, u := range usages {
		data[BootstrapTokenUsagePrefix+u] = "true"
	}
	if len(groups) > 0 {
		data[BootstrapTokenExtraGroupsKey] = strings.Join(groups, ",")
	}
	if !opts.Expires.IsZero() {
		data[BootstrapTokenExpirationKey] = opts.Expires.UTC().Format(time.RFC3339)
	}
	if opts.Description != "" {
		data[BootstrapTokenDescriptionKey] = opts.Description
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: t.SecretName(), Namespace: BootstrapTokenNamespace},
		Type:       BootstrapTokenSecretType,
		StringData: data,
	}
}

// secretValue reads key from a Secret as stored (Data) or as written by a
// client that used StringData and was not normalised.
func secretValue(s *corev1.Secret, key string) string {
	if v, ok := s.Data[key]; ok {
		return string(v)
	}
	return s.StringData[key]
}

// secretKeys lists the keys of Data and StringData, sorted.
func secretKeys(s *corev1.Secret) []string {
	keys := make([]string, 0, len(s.Data)+len(s.StringData))
	for k := range s.Data {
		keys = append(keys, k)
	}
	for k := range s.StringData {
		if _, dup := s.Data[k]; !dup {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// BootstrapTokenInfo is what a token's Secret says, for listing.
type BootstrapTokenInfo struct {
	Token       BootstrapToken
	Expires     time.Time // zero: never
	Usages      []string
	ExtraGroups []string
	Description string
}

// ParseBootstrapTokenSecret reads a token Secret, failing when s is not a
// well-formed one.
func ParseBootstrapTokenSecret(s *corev1.Secret) (info BootstrapTokenInfo, err error) {
	if s.Type != BootstrapTokenSecretType {
		return info, fmt.Errorf("secret %s/%s has type %q, not %q", s.Namespace, s.Name, s.Type, BootstrapTokenSecretType)
	}
	info.Token = BootstrapToken{ID: secretValue(s, BootstrapTokenIDKey), Secret: secretValue(s, BootstrapTokenSecretKey)}
	if s.Name != info.Token.SecretName() {
		return info, fmt.Errorf("secret %s/%s holds token id %q: the name must be %s", s.Namespace, s.Name, info.Token.ID, info.Token.SecretName())
	}
	if _, err := ParseBootstrapToken(info.Token.String()); err != nil {
		return info, fmt.Errorf("secret %s/%s: malformed token", s.Namespace, s.Name)
	}
	if exp := secretValue(s, BootstrapTokenExpirationKey); exp != "" {
		if info.Expires, err = time.Parse(time.RFC3339, exp); err != nil {
			return info, fmt.Errorf("secret %s/%s: expiration %q is not RFC3339", s.Namespace, s.Name, exp)
		}
	}
	for _, key := range secretKeys(s) {
		if u, ok := strings.CutPrefix(key, BootstrapTokenUsagePrefix); ok && secretValue(s, key) == "true" {
			info.Usages = append(info.Usages, u)
		}
	}
	if g := secretValue(s, BootstrapTokenExtraGroupsKey); g != "" {
		for _, group := range strings.Split(g, ",") {
			group = strings.TrimSpace(group)
			if !extraGroupRE.MatchString(group) {
				return info, fmt.Errorf("secret %s/%s: extra group %q must match %s", s.Namespace, s.Name, group, extraGroupRE)
			}
			info.ExtraGroups = append(info.ExtraGroups, group)
		}
	}
	info.Description = secretValue(s, BootstrapTokenDescriptionKey)
	return info, nil
}
