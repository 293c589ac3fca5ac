package images

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// dockerHub is the host Docker Hub credentials are keyed by, whatever
// spelling (docker.io, index.docker.io/v1/, https://...) the secret used.
const dockerHub = "index.docker.io"

// dockerConfigEntry is one registry's credentials in a docker config.
type dockerConfigEntry struct {
	Username      string `json:"username"`
	Password      string `json:"password"`
	Auth          string `json:"auth"`
	IdentityToken string `json:"identitytoken"`
}

// credential is a docker config entry with the registry pattern it
// applies to: host (labels may be globs, "*.example.com") and path prefix.
type credential struct {
	host, path string
	auth       *runtimeapi.AuthConfig
}

// secretCredentials reads the docker configs in image pull secrets
// (kubernetes.io/dockerconfigjson and the older kubernetes.io/dockercfg);
// other secret types are not credentials and are skipped.
func secretCredentials(secrets []v1.Secret) ([]credential, error) {
	var out []credential
	for _, s := range secrets {
		var entries map[string]dockerConfigEntry
		switch s.Type {
		case v1.SecretTypeDockerConfigJson:
			var cfg struct {
				Auths map[string]dockerConfigEntry `json:"auths"`
			}
			if err := json.Unmarshal(s.Data[v1.DockerConfigJsonKey], &cfg); err != nil {
				return nil, fmt.Errorf("read image pull secret %s/%s: %w", s.Namespace, s.Name, err)
			}
			entries = cfg.Auths
		case v1.SecretTypeDockercfg:
			if err := json.Unmarshal(s.Data[v1.DockerConfigKey], &entries); err != nil {
				return nil, fmt.Errorf("read image pull secret %s/%s: %w", s.Namespace, s.Name, err)
			}
		default:
			continue
		}
		for key, e := range entries {
			c, err := newCredential(key, e)
			if err != nil {
				return nil, fmt.Errorf("read image pull secret %s/%s: %w", s.Namespace, s.Name, err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func newCredential(key string, e dockerConfigEntry) (credential, error) {
	if !strings.Contains(key, "://") {
		key = "https://" + key
	}
	u, err := url.Parse(key)
	if err != nil {
		return credential{}, fmt.Errorf("registry %q: %w", key, err)
	}
	// Registry API version prefixes are part of how docker spells a
	// registry, not a repository path.
	p := strings.TrimSuffix(u.Path, "/")
	for _, v := range []string{"/v1", "/v2"} {
		if p == v || strings.HasPrefix(p, v+"/") {
			p = strings.TrimPrefix(p, v)
		}
	}
	host := u.Host
	if host == "docker.io" {
		host = dockerHub
	}
	auth := &runtimeapi.AuthConfig{Username: e.Username, Password: e.Password, IdentityToken: e.IdentityToken}
	if e.Auth != "" && auth.Username == "" {
		raw, err := base64.StdEncoding.DecodeString(e.Auth)
		if err != nil {
			return credential{}, fmt.Errorf("registry %q: auth is not base64: %w", key, err)
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return credential{}, fmt.Errorf("registry %q: auth is not user:password", key)
		}
		auth.Username, auth.Password = user, pass
	}
	return credential{host: host, path: strings.TrimPrefix(p, "/"), auth: auth}, nil
}

// credentialsFor returns the credentials to try, in order, when pulling
// image: every entry whose registry pattern matches, the most specific
// (longest pattern) first, as kubelet's keyring orders them.
func credentialsFor(image string, creds []credential) []*runtimeapi.AuthConfig {
	ref, err := name.ParseReference(image)
	if err != nil {
		return nil
	}
	host, repo := ref.Context().RegistryStr(), ref.Context().RepositoryStr()
	var matched []credential
	for _, c := range creds {
		if hostMatches(c.host, host) && (c.path == "" || repo == c.path || strings.HasPrefix(repo, c.path+"/")) {
			matched = append(matched, c)
		}
	}
	slices.SortStableFunc(matched, func(a, b credential) int {
		return len(b.host+b.path) - len(a.host+a.path)
	})
	out := make([]*runtimeapi.AuthConfig, len(matched))
	for i, c := range matched {
		out[i] = c.auth
	}
	return out
}

// hostMatches compares host[:port] against a pattern whose dot-separated
// labels may be globs; the ports must be equal.
func hostMatches(pattern, host string) bool {
	pHost, pPort := splitPort(pattern)
	hHost, hPort := splitPort(host)
	if pPort != hPort {
		return false
	}
	pl, hl := strings.Split(pHost, "."), strings.Split(hHost, ".")
	if len(pl) != len(hl) {
		return false
	}
	for i := range pl {
		if ok, err := path.Match(pl[i], hl[i]); err != nil || !ok {
			return false
		}
	}
	return true
}

func splitPort(hostport string) (host, port string) {
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.Contains(hostport[i:], "]") {
		return hostport[:i], hostport[i+1:]
	}
	return hostport, ""
}
