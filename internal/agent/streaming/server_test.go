package streaming

import (
	"crypto/tls"
	"net/http"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	env := startAgent(t)
	nodeCert, nodeKey, err := env.bundle.IssueClientCert("system:node:n1", []string{"system:nodes"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	node, err := tls.X509KeyPair(nodeCert, nodeKey)
	if err != nil {
		t.Fatal(err)
	}
	plain := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: env.bundle.CAPool(), Certificates: certs}}}
	}
	tests := []struct {
		name   string
		client *http.Client
		path   string
		want   int
	}{
		{"health is open", plain(), "/healthz", http.StatusOK},
		{"anonymous", plain(), "/pods", http.StatusUnauthorized},
		{"a node is not the API server", plain(node), "/pods", http.StatusUnauthorized},
		{"the API server", env.httpClient(t), "/pods", http.StatusOK},
		{"anonymous logs", plain(), "/containerLogs/ns/p/c", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.client.Get(env.url + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.want)
			}
		})
	}
}
