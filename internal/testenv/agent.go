package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bosun-dev/bosun/internal/agent"
	"github.com/bosun-dev/bosun/internal/agent/containerd"
	"github.com/bosun-dev/bosun/internal/agent/images"
	"github.com/bosun-dev/bosun/internal/imagebuild"
)

// testAgent configures a node agent unique to this test and registers the
// removal of everything it leaves on the host. It runs after the server
// stops, because t.Cleanup runs functions last-registered first.
func testAgent(t testing.TB, dataDir string) *agent.Config {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: this test runs real containers and needs root (CI runs as root; run `sudo go test` to include it)")
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pick agent port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := &agent.Config{
		DataDir:    filepath.Join(dataDir, "agent"),
		NodeName:   "node-" + id,
		Port:       port,
		CgroupRoot: "/bosun-test-" + id,
		BridgeName: "bt" + id,
		// The host's namespace may hold a developer's own node.
		SharedNetwork: true,
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := agent.Cleanup(ctx, cfg.DataDir, cfg.CgroupRoot, cfg.BridgeName, agent.CleanupOptions{SharedNetwork: true}); err != nil {
			t.Errorf("clean up after the node agent: %v", err)
		}
	})
	return cfg
}

// testClusterCIDR picks a /16 for this test's pods from 10.128.0.0 to
// 10.199.0.0 (clear of the default 10.244.0.0/16), starting from the
// bridge's random suffix and skipping ranges a bridge on this host already
// has an address in, so concurrent test clusters do not share a route.
func testClusterCIDR(bridge string) string {
	var n int
	for _, c := range bridge {
		n = n*31 + int(c)
	}
	n &= 0x7fffffff
	used := map[byte]bool{}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				if ip4 := ipn.IP.To4(); ip4 != nil && ip4[0] == 10 {
					used[ip4[1]] = true
				}
			}
		}
	}
	const first, count = 128, 72
	for i := range count {
		second := byte(first + (n+i)%count)
		if !used[second] {
			return fmt.Sprintf("10.%d.0.0/16", second)
		}
	}
	return fmt.Sprintf("10.%d.0.0/16", first+n%count)
}

// BusyboxImage is the reference Busybox imports the test image under.
const BusyboxImage = "bosun.dev/busybox:" + imagebuild.BusyboxVersion

// Busybox imports a busybox image built from Debian's busybox-static into
// the agent's containerd and returns its reference (imagePullPolicy
// IfNotPresent uses it without a registry).
func (e *Env) Busybox(t testing.TB) string {
	t.Helper()
	if e.AgentDataDir == "" {
		t.Fatal("Busybox needs a test server started with Options.Agent")
	}
	img, err := imagebuild.Busybox("/usr/bin/busybox")
	if err != nil {
		t.Fatalf("build busybox image (apt-get install busybox-static): %v", err)
	}
	var buf bytes.Buffer
	if err := imagebuild.WriteDockerArchive(&buf, map[string]v1.Image{BusyboxImage: img}); err != nil {
		t.Fatalf("write busybox image: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	address := filepath.Join(containerd.RunDir(e.AgentDataDir), "containerd.sock")
	if _, err := images.Import(ctx, address, &buf); err != nil {
		t.Fatalf("import busybox image: %v", err)
	}
	return BusyboxImage
}
