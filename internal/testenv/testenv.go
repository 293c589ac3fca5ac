// Package testenv starts a real Bosun server (embedded etcd in a temp dir,
// HTTPS on a free loopback port) inside a test, and stops it at cleanup.
package testenv

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bosun-dev/bosun/internal/agent"
	"github.com/bosun-dev/bosun/internal/server"
)

// Env is a running server.
type Env struct {
	// DataDir is the server's data dir; Kubeconfig its admin kubeconfig.
	DataDir    string
	Kubeconfig string
	// Config is an admin client config; Client a clientset on it.
	Config *rest.Config
	Client kubernetes.Interface
	// Stop stops the server (also done at cleanup); it is safe to call twice.
	Stop func()
	// NodeName and AgentDataDir name the node agent when Options.Agent is set.
	NodeName     string
	AgentDataDir string

	agent *agent.Config
}

// Options select what a test server runs.
type Options struct {
	// DataDir may name an existing data dir (to test restarts); empty means a
	// new temp dir.
	DataDir string
	// Components as server.Config's; empty means the API server alone (with
	// the namespace and CRD controllers it always runs), so API tests see
	// only their own writes.
	Components []string
	// NodeMonitorGracePeriod as server.Config's (default 40s).
	NodeMonitorGracePeriod time.Duration
	// Agent runs the server's node agent with a real containerd (all
	// components then run unless Components says otherwise). It needs root:
	// without it the test is skipped, loudly. The agent gets its own bridge,
	// cluster CIDR and cgroup root, and everything it made on the host is
	// removed at cleanup.
	Agent bool
	// SameNode, with Agent, runs the agent as the node of an earlier
	// (stopped) Env again: same node name, data dir, cgroup root, bridge
	// and port, so a test sees an agent restart. Cleanup of the host stays
	// with the earlier Env.
	SameNode *Env
}

// Start runs an API server until the test ends; see Options.DataDir.
func Start(t testing.TB, dataDir string) *Env {
	t.Helper()
	return StartWith(t, Options{DataDir: dataDir})
}

// StartWith runs a server as opts say until the test ends.
func StartWith(t testing.TB, opts Options) *Env {
	t.Helper()
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	var agentCfg *agent.Config
	if opts.Agent {
		if prev := opts.SameNode; prev != nil && prev.agent != nil {
			again := *prev.agent
			agentCfg = &again
		} else {
			agentCfg = testAgent(t, dataDir)
		}
		if len(opts.Components) == 0 {
			opts.Components = server.AllComponents
		}
	}
	if len(opts.Components) == 0 {
		opts.Components = []string{server.ComponentAPIServer}
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	cfg := server.Config{DataDir: dataDir, BindAddress: "127.0.0.1", SecurePort: 0, Ready: ready,
		Components: opts.Components, NodeMonitorGracePeriod: opts.NodeMonitorGracePeriod, Agent: agentCfg}
	if agentCfg != nil {
		cfg.ClusterCIDR = testClusterCIDR(agentCfg.BridgeName)
	}
	if !slices.Contains(opts.Components, server.ComponentControllers) {
		// No serviceaccount controller makes the accounts pods would be
		// checked against, as in Kubernetes' integration test servers.
		cfg.DisableAdmissionPlugins = []string{"ServiceAccount"}
	}
	go func() { done <- server.Run(ctx, cfg) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("server exited before ready: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server not ready after 30 s")
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server stopped with error: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("server did not stop within 20 s")
		}
	}
	t.Cleanup(stop)
	kubeconfig := filepath.Join(dataDir, "admin.kubeconfig")
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	rc.QPS, rc.Burst = 1000, 2000
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatalf("clientset: %v", err)
	}
	env := &Env{DataDir: dataDir, Kubeconfig: kubeconfig, Config: rc, Client: client, Stop: stop}
	if agentCfg != nil {
		env.NodeName, env.AgentDataDir, env.agent = agentCfg.NodeName, agentCfg.DataDir, agentCfg
	}
	return env
}
