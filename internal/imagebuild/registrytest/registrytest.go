// Package registrytest runs Debian's docker-registry (package
// docker-registry) for a test: plain HTTP on a free loopback port, storage
// in the test's temporary directory, stopped by PID when the test ends.
package registrytest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Binary is where Debian installs the registry.
const Binary = "/usr/bin/docker-registry"

// Start runs a registry and returns its host:port. It skips the test when
// the registry is not installed and we are not root (root is CI, where a
// missing registry is a broken machine and fails the test).
func Start(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		if os.Geteuid() != 0 {
			t.Skipf("SKIPPED: %s is not installed (apt-get install docker-registry) and not root", Binary)
		}
		t.Fatalf("%s is not installed (apt-get install docker-registry): %v", Binary, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	dir := t.TempDir()
	config := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(config, []byte(Config(filepath.Join(dir, "storage"), addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(Binary, "serve", config)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start registry: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		log.Close()
	})

	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		select {
		case err := <-exited:
			out, _ := os.ReadFile(log.Name())
			t.Fatalf("registry exited: %v\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(log.Name())
			t.Fatalf("registry on %s not ready after 30s: %v\n%s", addr, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Config is a docker-registry configuration storing under storageDir and
// listening on addr without TLS or authentication.
func Config(storageDir, addr string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, storageDir, addr)
}
