package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bosun-dev/bosun/internal/agent/containerd"
	"github.com/bosun-dev/bosun/internal/agent/images"
	"github.com/bosun-dev/bosun/internal/imagebuild"
)

// busyboxImage is the reference pods use; it is imported into every
// node's containerd, so pods need no registry (IfNotPresent).
const busyboxImage = "bosun.dev/busybox:" + imagebuild.BusyboxVersion

var (
	buildOnce sync.Once
	bosunBin  string
	buildErr  error
	buildOut  []byte
)

// bosun builds the binary once per test run.
func bosun(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bosun-cluster-test-")
		if err != nil {
			buildErr = err
			return
		}
		bosunBin = filepath.Join(dir, "bosun")
		buildOut, buildErr = exec.Command("go", "build", "-o", bosunBin, "github.com/bosun-dev/bosun/cmd/bosun").CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build bosun: %v\n%s", buildErr, buildOut)
	}
	return bosunBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bosunBin != "" {
		os.RemoveAll(filepath.Dir(bosunBin))
	}
	os.Exit(code)
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: this test makes network namespaces, bridges and real containers and needs root (CI runs as root; run `sudo go test` to include it)")
	}
}

// uniqueName is a cluster name no other test run uses.
func uniqueName() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return "bt" + hex.EncodeToString(b)
}

// cli runs `bosun cluster ARGS --state-dir STATE`.
type cli struct {
	t     *testing.T
	bin   string
	state string
}

// newCLI uses a state dir of the test's own; every cluster left in it
// when the test ends is deleted.
func newCLI(t *testing.T) *cli {
	c := &cli{t: t, bin: bosun(t), state: t.TempDir()}
	t.Cleanup(func() {
		entries, _ := os.ReadDir(c.state)
		for _, e := range entries {
			if out, err := c.run("delete", e.Name()); err != nil {
				t.Errorf("clean up cluster %s: %v\n%s", e.Name(), err, out)
			}
		}
	})
	return c
}

// run returns the combined output and the error.
func (c *cli) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args = append([]string{"cluster"}, append(args, "--state-dir", c.state)...)
	out, err := exec.CommandContext(ctx, c.bin, args...).CombinedOutput()
	return string(out), err
}

// must runs and fails the test on an error.
func (c *cli) must(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("bosun cluster %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// kubectl runs kubectl against a cluster's kubeconfig.
func kubectl(t *testing.T, kubeconfig string, args ...string) string {
	t.Helper()
	out, err := exec.Command("kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// importBusybox imports the test image into a node's containerd, which
// listens on a unix socket the host reaches whatever the node's namespace.
func importBusybox(t *testing.T, agentDataDir string) {
	t.Helper()
	img, err := imagebuild.Busybox("/usr/bin/busybox")
	if err != nil {
		t.Fatalf("build busybox image (apt-get install busybox-static): %v", err)
	}
	var buf bytes.Buffer
	if err := imagebuild.WriteDockerArchive(&buf, map[string]v1.Image{busyboxImage: img}); err != nil {
		t.Fatalf("write busybox image: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	address := filepath.Join(containerd.RunDir(agentDataDir), "containerd.sock")
	if _, err := images.Import(ctx, address, &buf); err != nil {
		t.Fatalf("import busybox image into %s: %v", agentDataDir, err)
	}
}
