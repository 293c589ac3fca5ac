// Package integration checks, through k8s.io/client-go, that a real Bosun
// server (embedded etcd, HTTPS on loopback) answers every verb the way
// kube-apiserver does. One server serves the whole package; tests that
// restart a server start their own through internal/testenv.
package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bosun-dev/bosun/internal/server"
)

// shared is the server every test talks to unless it needs its own.
var shared struct {
	config    *rest.Config
	client    kubernetes.Interface
	dynamic   dynamic.Interface
	discovery discovery.DiscoveryInterface
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run starts the shared server, runs the tests and stops the server.
// testenv.Start needs a *testing.T whose cleanup would stop the server after
// the first test, so the package's one server is started the same way here.
func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bosun-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	stop, err := startServer(server.Config{DataDir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration: start server:", err)
		return 1
	}
	defer stop()
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "admin.kubeconfig"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration: load kubeconfig:", err)
		return 1
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	shared.config = cfg
	shared.client = kubernetes.NewForConfigOrDie(cfg)
	shared.dynamic = dynamic.NewForConfigOrDie(cfg)
	shared.discovery = discovery.NewDiscoveryClientForConfigOrDie(cfg)
	return m.Run()
}

// startServer runs an API server on loopback until stop is called, as
// testenv.Start does; cfg names the data dir and, optionally, an etcd. The
// advertise address keeps its default, the host's IP: the kubernetes
// Service's endpoints may not point at loopback.
func startServer(cfg server.Config) (stop func(), err error) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	cfg.BindAddress, cfg.Ready = "127.0.0.1", ready
	if len(cfg.Components) == 0 {
		// API tests see only their own writes: no scheduler or controllers
		// (the namespace and CRD controllers run with the API server).
		cfg.Components = []string{server.ComponentAPIServer}
	}
	if !slices.Contains(cfg.Components, server.ComponentControllers) {
		// No serviceaccount controller makes the accounts pods are checked against.
		cfg.DisableAdmissionPlugins = []string{"ServiceAccount"}
	}
	go func() { done <- server.Run(ctx, cfg) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("server exited before ready: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		return nil, fmt.Errorf("server not ready after 30 s")
	}
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				fmt.Fprintln(os.Stderr, "integration: server stopped with error:", err)
			}
		case <-time.After(20 * time.Second):
			fmt.Fprintln(os.Stderr, "integration: server did not stop within 20 s")
		}
	}, nil
}

// ownServer starts a server for one test on dataDir (empty: a new one) and
// stops it at cleanup; stop may be called earlier.
func ownServer(t *testing.T, cfg server.Config) (client kubernetes.Interface, stop func()) {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	stopServer, err := startServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() { once.Do(stopServer) }
	t.Cleanup(stop)
	rc, err := clientcmd.BuildConfigFromFlags("", filepath.Join(cfg.DataDir, "admin.kubeconfig"))
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	return kubernetes.NewForConfigOrDie(rc), stop
}

// ctx returns a context that ends with the test or after a minute.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}
