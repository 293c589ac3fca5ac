package containerd

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/agent/mounts"
	"github.com/bosun-dev/bosun/internal/network/cni"
)

// TestPurgeRemovesRunningPod runs a real pod sandbox on the CNI bridge and
// checks that Purge leaves no sandbox, mount or dir behind.
func TestPurgeRemovesRunningPod(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIP: needs root to run containerd and CNI (CI runs as root)")
	}
	// Registered first so it runs last, after Purge tore the pod down.
	bridge := fmt.Sprintf("bsntest%d", os.Getpid()%100000)
	cgroupParent := fmt.Sprintf("/bosun-test-%d", os.Getpid())
	t.Cleanup(func() {
		exec.Command("ip", "link", "del", bridge).Run()
		dirs, _ := filepath.Glob("/sys/fs/cgroup/*" + cgroupParent)
		for _, d := range dirs {
			if err := os.Remove(d); err != nil {
				t.Errorf("remove cgroup: %v", err)
			}
		}
	})
	p, c, cfg := startReal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	const podCIDR = "10.244.250.0/24"
	must(t, cni.WriteConfig(filepath.Join(cfg.DataDir, "cni", "net.d"), cni.Config{PodCIDR: podCIDR, BridgeName: bridge}))
	eventually(t, "NetworkReady", 10*time.Second, func() bool { return conditions(t, c.Runtime)[runtimeapi.NetworkReady] })
	importSleepImage(t, p.Endpoint(), cfg.SandboxImage)

	logDir := filepath.Join(cfg.DataDir, "logs", "pods", "default_purge_uid1")
	must(t, os.MkdirAll(logDir, 0o755))
	run, err := c.Runtime.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: "purge", Namespace: "default", Uid: "uid1"},
		Hostname:     "purge",
		LogDirectory: logDir,
		Labels:       map[string]string{"io.kubernetes.pod.name": "purge", "io.kubernetes.pod.namespace": "default", "io.kubernetes.pod.uid": "uid1"},
		Linux:        &runtimeapi.LinuxPodSandboxConfig{CgroupParent: cgroupParent},
	}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Runtime.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: run.PodSandboxId})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status.State != runtimeapi.PodSandboxState_SANDBOX_READY {
		t.Fatalf("sandbox state %v", st.Status.State)
	}
	ip, err := netip.ParseAddr(st.Status.GetNetwork().GetIp())
	if err != nil || !netip.MustParsePrefix(podCIDR).Contains(ip) {
		t.Fatalf("sandbox IP %q (%v) not in %s", st.Status.GetNetwork().GetIp(), err, podCIDR)
	}
	// The sandbox outlives a containerd crash: its shim keeps it running
	// and the restarted containerd reconnects to it.
	old := p.PID()
	must(t, syscall.Kill(old, syscall.SIGKILL))
	eventually(t, "the restarted containerd to report the sandbox ready", 15*time.Second, func() bool {
		st, err := c.Runtime.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: run.PodSandboxId})
		return p.PID() != old && err == nil && st.Status.State == runtimeapi.PodSandboxState_SANDBOX_READY
	})
	points, err := mounts.Points()
	must(t, err)
	if len(mounts.Under(points, pathsFor(cfg.DataDir).root, RunDir(cfg.DataDir))) == 0 {
		t.Fatal("a running sandbox made no mounts under containerd's dirs; the purge check would prove nothing")
	}
	// startReal's cleanup purges and checks that nothing is left.
}
