package integration

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// anonymous is a client config that trusts the server but presents nothing.
func anonymous() *rest.Config {
	return &rest.Config{Host: shared.config.Host,
		TLSClientConfig: rest.TLSClientConfig{CAData: shared.config.CAData, CAFile: shared.config.CAFile}}
}

func TestUnauthenticated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config *rest.Config
	}{
		{"no credentials", anonymous()},
		{"bad bearer token", func() *rest.Config { c := anonymous(); c.BearerToken = "not.a.token"; return c }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/namespaces", "/apis", "/api/v1/namespaces/default/configmaps/x", "/metrics"} {
				r := do(t, request{method: http.MethodGet, path: path, config: tc.config})
				if r.code != http.StatusUnauthorized {
					t.Errorf("GET %s: %d, want 401", path, r.code)
					continue
				}
				st := r.status(t)
				if st.Reason != metav1.StatusReasonUnauthorized || st.Code != http.StatusUnauthorized || st.Message != "Unauthorized" {
					t.Errorf("GET %s: Status %+v", path, st)
				}
			}
			// client-go sees IsUnauthorized.
			_, err := kubernetes.NewForConfigOrDie(tc.config).CoreV1().Namespaces().List(ctx(t), metav1.ListOptions{})
			wantStatus(t, err, http.StatusUnauthorized, metav1.StatusReasonUnauthorized)
			// Writes are refused too and change nothing.
			r := do(t, request{method: http.MethodPost, path: "/api/v1/namespaces", config: tc.config,
				body: []byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"anonymous-was-here"}}`)})
			if r.code != http.StatusUnauthorized {
				t.Errorf("anonymous create: %d", r.code)
			}
			if _, err := shared.client.CoreV1().Namespaces().Get(ctx(t), "anonymous-was-here", metav1.GetOptions{}); err == nil {
				t.Error("anonymous create stored a namespace")
			}
		})
	}
	// Health and version are public, as kube-apiserver's public-info-viewer role allows.
	for _, path := range []string{"/healthz", "/livez", "/readyz", "/version"} {
		if r := do(t, request{method: http.MethodGet, path: path, config: anonymous()}); r.code != http.StatusOK {
			t.Errorf("anonymous GET %s: %d", path, r.code)
		}
	}
}

// The API is served over HTTPS only: plain HTTP on the port gets no API answer.
func TestPlainHTTPNotServed(t *testing.T) {
	u, err := url.Parse(shared.config.Host)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "https" {
		t.Fatalf("kubeconfig server %s is not https", shared.config.Host)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, "GET /api/v1/namespaces HTTP/1.1\r\nHost: "+u.Host+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "NamespaceList") {
			t.Fatalf("plain HTTP answered %d %q", resp.StatusCode, body)
		}
	}
	// And TLS below 1.2 is refused.
	tc, err := tls.Dial("tcp", u.Host, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11})
	if err == nil {
		tc.Close()
		t.Error("TLS 1.1 handshake succeeded")
	}
}
