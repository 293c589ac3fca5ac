package containerd

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/bosun-dev/bosun/internal/hostaddr"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// startRegistry runs Debian's docker-registry on a free port until the test
// ends and returns its host:port. It listens on a non-loopback address:
// containerd falls back to plain http for loopback registries by itself,
// which would hide a broken hosts.toml.
func startRegistry(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Fatalf("docker-registry not installed: %v", err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(hostIPv4(t), "0"))
	must(t, err)
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "config.yml")
	must(t, os.WriteFile(conf, []byte(fmt.Sprintf(
		"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)), 0o644))
	cmd := exec.Command(bin, "serve", conf)
	must(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	eventually(t, "the registry to listen", 10*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return addr
}

// hostIPv4 is a non-loopback address of this host (containerd falls back to
// plain http on loopback by itself, which would prove nothing). A host with
// none gets one on a dummy link the test makes and removes.
func hostIPv4(t *testing.T) string {
	t.Helper()
	if ip := hostaddr.IPv4(); ip != "127.0.0.1" {
		return ip
	}
	const link, ip = "bosunregtest0", "192.0.2.250"
	for _, args := range [][]string{{"link", "add", link, "type", "dummy"}, {"addr", "add", ip + "/32", "dev", link}, {"link", "set", link, "up"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "delete", link).Run() })
	return ip
}

// push uploads blobs and manifest as repo:tag with the registry API.
func push(t *testing.T, registry, repo, tag string, blobs map[string][]byte, manifest []byte) {
	t.Helper()
	for digest, b := range blobs {
		resp, err := http.Post("http://"+registry+"/v2/"+repo+"/blobs/uploads/", "", nil)
		must(t, err)
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		must(t, err)
		q := loc.Query()
		q.Set("digest", digest)
		loc.RawQuery = q.Encode()
		put(t, "http://"+registry+loc.RequestURI(), "application/octet-stream", b)
	}
	put(t, "http://"+registry+"/v2/"+repo+"/manifests/"+tag, manifestType, manifest)
}

func put(t *testing.T, u, contentType string, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
	must(t, err)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT %s: %s", u, resp.Status)
	}
}

// TestPullFromInsecureRegistry pulls over plain http from a registry named
// in InsecureRegistries, which only its hosts.toml allows.
func TestPullFromInsecureRegistry(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIP: needs root to run containerd (CI runs as root)")
	}
	registry := startRegistry(t)
	blobs, manifest := sleepImage(t)
	push(t, registry, "bosun/sleep", "v1", blobs, manifest)

	_, c, _ := startRealWith(t, func(cfg *Config) { cfg.InsecureRegistries = []string{registry} })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ref := registry + "/bosun/sleep:v1"
	if _, err := c.Images.PullImage(ctx, &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: ref}}); err != nil {
		t.Fatal(err)
	}
	st, err := c.Images.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: ref}})
	must(t, err)
	if st.Image == nil || len(st.Image.RepoTags) == 0 || st.Image.RepoTags[0] != ref {
		t.Fatalf("image status after pull: %+v", st.Image)
	}
}
