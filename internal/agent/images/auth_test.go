package images

import (
	"encoding/base64"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func dockerConfigJSON(name, cfg string) v1.Secret {
	s := v1.Secret{Type: v1.SecretTypeDockerConfigJson, Data: map[string][]byte{v1.DockerConfigJsonKey: []byte(cfg)}}
	s.Name, s.Namespace = name, "default"
	return s
}

func TestCredentialsFor(t *testing.T) {
	secrets := []v1.Secret{
		dockerConfigJSON("hub", `{"auths":{"https://index.docker.io/v1/":{"username":"hub","password":"x"}}}`),
		dockerConfigJSON("wild", `{"auths":{"*.example.com":{"username":"wild","password":"x"}}}`),
		dockerConfigJSON("path", `{"auths":{"registry.example.com/team":{"username":"team","password":"x"}}}`),
		dockerConfigJSON("port", `{"auths":{"http://localhost:5000":{"auth":"`+b64("local:pw")+`"}}}`),
		{Type: v1.SecretTypeDockercfg, Data: map[string][]byte{v1.DockerConfigKey: []byte(`{"quay.io":{"username":"quay","password":"x"}}`)}},
	}
	creds, err := secretCredentials(secrets)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ image, want string }{
		{"busybox", "hub"},
		{"docker.io/library/busybox:1", "hub"},
		{"index.docker.io/me/app", "hub"},
		{"registry.example.com/team/app:1", "team,wild"},
		{"registry.example.com/teamx/app:1", "wild"},
		{"a.b.example.com/app", ""},
		{"localhost:5000/bosun/busybox:1.35", "local"},
		{"localhost:5001/bosun/busybox:1.35", ""},
		{"localhost/bosun/busybox", ""},
		{"quay.io/org/app", "quay"},
	} {
		var users []string
		for _, a := range credentialsFor(tc.image, creds) {
			users = append(users, a.Username)
		}
		if got := strings.Join(users, ","); got != tc.want {
			t.Errorf("credentialsFor(%s) = %q, want %q", tc.image, got, tc.want)
		}
	}
}

func TestSecretCredentialsErrors(t *testing.T) {
	for _, cfg := range []string{`not json`, `{"auths":{"r.io":{"auth":"%%%"}}}`, `{"auths":{"r.io":{"auth":"` + b64("nocolon") + `"}}}`} {
		if _, err := secretCredentials([]v1.Secret{dockerConfigJSON("bad", cfg)}); err == nil {
			t.Errorf("%s: want an error", cfg)
		}
	}
}
