package streaming

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Config is what the agent's API is built from.
type Config struct {
	// Runtime finds containers and sandboxes and hands out the runtime's
	// streaming URLs.
	Runtime runtimeapi.RuntimeServiceClient
	// ClientCA verifies client certificates. Only clients presenting a
	// certificate from it in group system:masters (the API server's
	// kube-apiserver-kubelet-client) are served; /healthz is open.
	ClientCA *x509.CertPool
	// TLS holds the serving certificate; ClientAuth and ClientCAs are set
	// from ClientCA.
	TLS *tls.Config
	// Addr is the listen address (default ":10250", the kubelet port).
	Addr string
	// Pods lists the pods the agent runs, for /pods (nil: an empty list).
	Pods func() []v1.Pod
	// Log receives one line per request that fails (default slog.Default()).
	Log *slog.Logger
}

// Server serves the agent's API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler
}

// NewServer builds a Server; nothing listens until ListenAndServe.
func NewServer(cfg Config) *Server {
	if cfg.Addr == "" {
		cfg.Addr = ":10250"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Log.With("component", "streaming")}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	mux.Handle("GET /pods", s.authenticated(http.HandlerFunc(s.servePods)))
	mux.Handle("GET /containerLogs/{namespace}/{pod}/{container}", s.authenticated(http.HandlerFunc(s.serveContainerLogs)))
	for _, m := range []string{"GET", "POST"} {
		mux.Handle(m+" /exec/{namespace}/{pod}/{container}", s.authenticated(http.HandlerFunc(s.serveExec)))
		mux.Handle(m+" /attach/{namespace}/{pod}/{container}", s.authenticated(http.HandlerFunc(s.serveAttach)))
		mux.Handle(m+" /portForward/{namespace}/{pod}", s.authenticated(http.HandlerFunc(s.servePortForward)))
	}
	s.handler = mux
	return s
}

// Handler returns the API's handler, for tests that serve it themselves.
func (s *Server) Handler() http.Handler { return s.handler }

// ListenAndServe serves HTTPS on cfg.Addr until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	if s.cfg.TLS == nil {
		return errors.New("serve agent API: no serving certificate")
	}
	tc := s.cfg.TLS.Clone()
	tc.ClientAuth = tls.VerifyClientCertIfGiven
	tc.ClientCAs = s.cfg.ClientCA
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           s.handler,
		TLSConfig:         tc,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	s.log.Info("Serving agent API", "addr", ln.Addr().String())
	select {
	case err := <-done:
		return fmt.Errorf("serve agent API: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	// Streams are hijacked connections Shutdown does not wait for; they end
	// with their own contexts.
	if err := srv.Shutdown(shutdown); err != nil {
		return srv.Close()
	}
	return nil
}

// authenticated serves only clients whose certificate chains to ClientCA
// and names group system:masters, as a kubelet serves only the API server.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.trusted(r) {
			writeStatus(w, unauthorized())
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) trusted(r *http.Request) bool {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 || s.cfg.ClientCA == nil {
		return false
	}
	leaf := r.TLS.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range r.TLS.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	// Verified here rather than trusting r.TLS.VerifiedChains, so Handler()
	// behind a test server with another ClientCAs cannot be fooled.
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: s.cfg.ClientCA, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return false
	}
	return slices.Contains(leaf.Subject.Organization, "system:masters")
}

func (s *Server) servePods(w http.ResponseWriter, _ *http.Request) {
	list := &v1.PodList{}
	list.Kind, list.APIVersion = "PodList", "v1"
	if s.cfg.Pods != nil {
		list.Items = s.cfg.Pods()
	}
	writeJSON(w, http.StatusOK, list)
}
