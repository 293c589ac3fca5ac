package containerd

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/agent/cri"
	"github.com/bosun-dev/bosun/internal/agent/mounts"
	"github.com/bosun-dev/bosun/internal/network/cni"
)

// startReal starts a containerd for a fresh data dir and purges it when
// the test ends, whatever happened.
func startReal(t *testing.T) (*Process, *cri.Client, Config) {
	t.Helper()
	return startRealWith(t, func(*Config) {})
}

// startRealWith is startReal with the config edited by edit.
func startRealWith(t *testing.T, edit func(*Config)) (*Process, *cri.Client, Config) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIP: needs root to run containerd (CI runs as root)")
	}
	if _, err := exec.LookPath("containerd"); err != nil {
		t.Fatalf("containerd not installed: %v", err)
	}
	cfg := Config{DataDir: t.TempDir(), SandboxImage: "bosun.local/pause:test"}
	edit(&cfg)
	var p *Process
	var c *cri.Client
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var rt runtimeapi.RuntimeServiceClient
		if c != nil {
			rt = c.Runtime
			defer c.Close()
		}
		if err := Purge(ctx, rt, cfg.DataDir); err != nil {
			t.Errorf("purge: %v", err)
		}
		if p != nil {
			if err := p.Stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
		}
		assertPurged(t, cfg.DataDir)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	if p, err = Start(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if c, err = cri.Dial(ctx, p.Endpoint(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	return p, c, cfg
}

// assertPurged checks that nothing of dataDir's containerd is left: no
// mounts, no root or run dir.
func assertPurged(t *testing.T, dataDir string) {
	t.Helper()
	p := pathsFor(dataDir)
	points, err := mounts.Points()
	if err != nil {
		t.Fatal(err)
	}
	if left := mounts.Under(points, p.root, RunDir(dataDir)); len(left) > 0 {
		t.Errorf("mounts left after purge: %v", left)
	}
	for _, dir := range []string{p.root, RunDir(dataDir)} {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s left after purge (err %v)", dir, err)
		}
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func conditions(t *testing.T, rt runtimeapi.RuntimeServiceClient) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := rt.Status(ctx, &runtimeapi.StatusRequest{})
	if err != nil {
		return nil
	}
	out := map[string]bool{}
	for _, c := range st.Status.Conditions {
		out[c.Type] = c.Status
	}
	return out
}

func TestContainerdLifecycle(t *testing.T) {
	p, c, cfg := startReal(t)
	ctx := context.Background()

	v, err := c.Runtime.Version(ctx, &runtimeapi.VersionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if v.RuntimeName != "containerd" || v.RuntimeApiVersion != "v1" {
		t.Fatalf("version %+v, want containerd speaking v1", v)
	}
	conds := conditions(t, c.Runtime)
	if !conds[runtimeapi.RuntimeReady] || conds[runtimeapi.NetworkReady] {
		t.Fatalf("conditions %v, want runtime ready and network not ready before a CNI config", conds)
	}
	if len(p.Endpoint()) >= 108 || !strings.HasPrefix(p.Endpoint(), "unix:///run/bosun/") {
		t.Fatalf("endpoint %q", p.Endpoint())
	}

	if err := cni.WriteConfig(filepath.Join(cfg.DataDir, "cni", "net.d"), cni.Config{PodCIDR: "10.244.7.0/24"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "NetworkReady after the CNI config is written", 10*time.Second, func() bool {
		return conditions(t, c.Runtime)[runtimeapi.NetworkReady]
	})

	old := p.PID()
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a restarted containerd answering CRI", 15*time.Second, func() bool {
		return p.PID() != old && conditions(t, c.Runtime)[runtimeapi.RuntimeReady]
	})

	// A second agent run on the same data dir adopts the running daemon.
	ctx2, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p2, err := Start(ctx2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p2.PID() != p.PID() {
		t.Fatalf("second Start ran pid %d, want it to adopt %d", p2.PID(), p.PID())
	}
	pid := p.PID()
	if err := p2.Stop(); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Fatalf("containerd %d still alive after Stop", pid)
	}
	// The first supervisor sees the pid file gone: a deliberate stop.
	select {
	case <-p.supervised:
	case <-time.After(10 * time.Second):
		t.Fatal("first supervisor still running after another owner stopped containerd")
	}
	if p.PID() != pid {
		t.Fatalf("first supervisor restarted containerd (pid %d) after another owner stopped it", p.PID())
	}
}

// TestStopAllKeepsRoot: StopAll stops containerd and clears its run dir but
// keeps its root (the image store), and a new Start serves from it again.
func TestStopAllKeepsRoot(t *testing.T) {
	p, c, cfg := startReal(t)
	ctx := context.Background()
	if err := StopAll(ctx, c.Runtime, cfg.DataDir); err != nil {
		t.Fatalf("stop all: %v", err)
	}
	_ = p.Stop()
	paths := pathsFor(cfg.DataDir)
	if _, err := os.Stat(filepath.Join(paths.root, "config.toml")); err != nil {
		t.Fatalf("root not kept: %v", err)
	}
	if _, err := os.Stat(RunDir(cfg.DataDir)); !os.IsNotExist(err) {
		t.Fatalf("run dir left: %v", err)
	}
	p2, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Stop()
	c2, err := cri.Dial(ctx, p2.Endpoint(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := Purge(ctx, c2.Runtime, cfg.DataDir); err != nil {
		t.Fatal(err)
	}
}
