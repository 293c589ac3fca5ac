// Package e2e drives the real bosun binary as users and operators do.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// TestSIGKILLLosesNoAcknowledgedWrite kills the server with SIGKILL in the
// middle of a write loop and checks, after a restart on the same data dir,
// that every create the server acknowledged is there.
func TestSIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	bin := buildBosun(t)
	dir := t.TempDir()
	srv := startServer(t, bin, dir)
	client := adminClient(t, dir)
	ctx := context.Background()

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("w%d-%d", w, i)
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"i": name}}
				if _, err := client.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
			}
		}(w)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.Wait()
	close(stop)
	wg.Wait()
	t.Logf("%d creates acknowledged before SIGKILL", len(acked))
	if len(acked) == 0 {
		t.Fatal("no create was acknowledged before the kill")
	}

	startServer(t, bin, dir)
	client = adminClient(t, dir)
	list, err := client.CoreV1().ConfigMaps("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list after restart: %v", err)
	}
	have := map[string]bool{}
	for _, cm := range list.Items {
		have[cm.Name] = cm.Data["i"] == cm.Name
	}
	for _, name := range acked {
		if !have[name] {
			t.Errorf("acknowledged ConfigMap %s lost or changed after SIGKILL", name)
		}
	}
}

// buildBosun builds the binary once per test run.
func buildBosun(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bosun")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/bosun-dev/bosun/cmd/bosun")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build bosun: %v\n%s", err, out)
	}
	return bin
}

// startServer runs `bosun server` on dir and a free port until the test
// ends (SIGTERM at cleanup, by PID), returning once /readyz is ok.
func startServer(t *testing.T, bin, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "server", "--data-dir", dir, "--secure-port", "0", "--bind-address", "127.0.0.1", "--disable-agent")
	logFile, err := os.Create(filepath.Join(t.TempDir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				_ = cmd.Process.Kill()
				t.Error("server did not stop on SIGTERM within 15 s")
			}
		}
		if t.Failed() {
			out, _ := os.ReadFile(logFile.Name())
			t.Logf("server log:\n%s", out)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "admin.kubeconfig")); err == nil {
			if k, err := kubernetes.NewForConfig(c); err == nil {
				if body, err := k.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(context.Background()); err == nil && string(body) == "ok" {
					return cmd
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server not ready within 30 s")
	return nil
}

func adminClient(t *testing.T, dir string) kubernetes.Interface {
	t.Helper()
	c, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "admin.kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	c.QPS, c.Burst = 1000, 1000
	k, err := kubernetes.NewForConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
