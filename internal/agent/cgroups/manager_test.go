package cgroups

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

func TestCapacity(t *testing.T) {
	c, err := Capacity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c.Cpu().Value() < 1 || c.Memory().Value() <= 0 || c.Pods().Value() != MaxPods || c.StorageEphemeral().Value() <= 0 {
		t.Errorf("Capacity = %v", c)
	}
}

func TestEnsureAndRemovePod(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIPPING: creating cgroups needs root")
	}
	root := fmt.Sprintf("/bosun-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	m, err := New(root, res("cpu", "2", "memory", "4Gi"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, h := range m.hierarchies {
			removeTree(filepath.Join(h, root))
		}
	})
	burstable := pod("burst", nil, v1.ResourceRequirements{Requests: res("cpu", "250m"), Limits: res("cpu", "500m", "memory", "64Mi")})
	bestEffort := pod("be", nil, v1.ResourceRequirements{})
	guaranteed := pod("g", nil, v1.ResourceRequirements{Requests: res("cpu", "1", "memory", "32Mi"), Limits: res("cpu", "1", "memory", "32Mi")})
	for _, p := range []*v1.Pod{burstable, bestEffort, guaranteed} {
		parent, err := m.EnsurePod(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := PodCgroupName(root, p); parent != want {
			t.Errorf("EnsurePod = %q, want %q", parent, want)
		}
		for _, h := range m.hierarchies {
			if _, err := os.Stat(filepath.Join(h, parent)); err != nil {
				t.Errorf("cgroup missing: %v", err)
			}
		}
		// A second call is a no-op.
		if _, err := m.EnsurePod(p); err != nil {
			t.Fatal(err)
		}
	}
	want := PodResources(burstable)
	name := PodCgroupName(root, burstable)
	if m.v2 {
		checkFile(t, filepath.Join(mountRoot, name, "cpu.weight"), strconv.FormatInt(sharesToWeight(want.CPUShares), 10))
		checkFile(t, filepath.Join(mountRoot, name, "cpu.max"), "50000 100000")
		checkFile(t, filepath.Join(mountRoot, name, "memory.max"), strconv.Itoa(64<<20))
	} else {
		checkFile(t, filepath.Join(mountRoot, "cpu", name, "cpu.shares"), "256")
		checkFile(t, filepath.Join(mountRoot, "cpu", name, "cpu.cfs_quota_us"), "50000")
		checkFile(t, filepath.Join(mountRoot, "memory", name, "memory.limit_in_bytes"), strconv.Itoa(64<<20))
		checkFile(t, filepath.Join(mountRoot, "cpu", root, "besteffort", "cpu.shares"), "2")
		checkFile(t, filepath.Join(mountRoot, "cpu", root, "cpu.shares"), "2048")
		cpus, _ := os.ReadFile(filepath.Join(mountRoot, "cpuset", root, "cpuset.cpus"))
		checkFile(t, filepath.Join(mountRoot, "cpuset", name, "cpuset.cpus"), strings.TrimSpace(string(cpus)))
	}
	// A container cgroup the runtime left behind goes with the pod.
	for _, h := range m.hierarchies {
		if err := os.Mkdir(filepath.Join(h, name, "container1"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []*v1.Pod{burstable, bestEffort, guaranteed} {
		if err := m.RemovePod(p); err != nil {
			t.Fatal(err)
		}
		if err := m.RemovePod(p); err != nil {
			t.Errorf("second RemovePod: %v", err)
		}
	}
	if err := m.Cleanup(); err != nil {
		t.Fatal(err)
	}
	for _, h := range m.hierarchies {
		if _, err := os.Stat(filepath.Join(h, root)); !os.IsNotExist(err) {
			t.Errorf("%s left behind (%v)", filepath.Join(h, root), err)
		}
	}
}

func checkFile(t *testing.T, path, want string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	if got := strings.TrimSpace(string(data)); got != want {
		t.Errorf("%s = %q, want %q", path, got, want)
	}
}

func TestPurgeKillsWhatIsLeft(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIPPING: creating cgroups needs root")
	}
	root := fmt.Sprintf("/bosun-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	m, err := New(root, res("cpu", "2", "memory", "4Gi"))
	if err != nil {
		t.Fatal(err)
	}
	p := pod("left", nil, v1.ResourceRequirements{})
	parent, err := m.EnsurePod(p)
	if err != nil {
		t.Fatal(err)
	}
	sleep := exec.Command("sleep", "300")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sleep.Wait() }()
	t.Cleanup(func() { _ = sleep.Process.Kill() })
	pid := []byte(strconv.Itoa(sleep.Process.Pid))
	for _, h := range m.hierarchies {
		if err := os.WriteFile(filepath.Join(h, parent, "cgroup.procs"), pid, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Purge(); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the process left in the pod cgroup still runs after Purge")
	}
	for _, h := range m.hierarchies {
		if _, err := os.Stat(filepath.Join(h, root)); !os.IsNotExist(err) {
			t.Errorf("%s left: %v", filepath.Join(h, root), err)
		}
	}
}
