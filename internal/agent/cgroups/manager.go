package cgroups

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bosun-dev/bosun/internal/agent/containerconfig"
	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

const mountRoot = "/sys/fs/cgroup"

// Manager creates and removes pod cgroups on the cgroupfs driver.
type Manager struct {
	root        string
	v2          bool
	hierarchies []string // mount points; one (the unified tree) on v2
	allocatable v1.ResourceList

	// ensured remembers what EnsurePod last set up per pod, because pod
	// workers call it on every sync and rewriting every hierarchy each time
	// was most of an idle agent's CPU.
	mu      sync.Mutex
	ensured map[types.UID]ensuredPod
}

type ensuredPod struct {
	name      string
	resources Resources
}

// New finds the host's cgroup hierarchies: the unified tree when
// /sys/fs/cgroup is cgroup2, else every mounted v1 hierarchy (a hybrid
// host's empty cgroup2 mount included, so nothing the runtime makes there is
// left behind). root is the pods' cgroup, default "/kubepods".
func New(root string, nodeAllocatable v1.ResourceList) (*Manager, error) {
	if root == "" {
		root = "/kubepods"
	}
	m := &Manager{root: clean(root), allocatable: nodeAllocatable, ensured: map[types.UID]ensuredPod{}}
	var st unix.Statfs_t
	if err := unix.Statfs(mountRoot, &st); err != nil {
		return nil, fmt.Errorf("statfs %s: %w", mountRoot, err)
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		m.v2 = true
		m.hierarchies = []string{mountRoot}
		return m, nil
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	m.hierarchies = cgroupMounts(f)
	if len(m.hierarchies) == 0 {
		return nil, errors.New("no cgroup hierarchies mounted under " + mountRoot)
	}
	return m, nil
}

// cgroupMounts lists cgroup and cgroup2 mount points from mountinfo.
func cgroupMounts(r io.Reader) []string {
	var out []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		fields, postFields := strings.Fields(pre), strings.Fields(post)
		if len(fields) < 5 || len(postFields) < 1 {
			continue
		}
		if fs := postFields[0]; fs != "cgroup" && fs != "cgroup2" {
			continue
		}
		mp := fields[4]
		if !seen[mp] && strings.HasPrefix(mp, mountRoot+"/") {
			seen[mp] = true
			out = append(out, mp)
		}
	}
	return out
}

// V2 reports whether the host uses the unified hierarchy.
func (m *Manager) V2() bool { return m.v2 }

// EnsurePod creates the pod's cgroup in every hierarchy, applies its
// pod-level limits and returns the name to pass as the sandbox's
// CgroupParent.
func (m *Manager) EnsurePod(pod *v1.Pod) (string, error) {
	name := PodCgroupName(m.root, pod)
	want := ensuredPod{name: name, resources: PodResources(pod)}
	m.mu.Lock()
	done := m.ensured[pod.UID] == want
	m.mu.Unlock()
	if done {
		return name, nil
	}
	for _, h := range m.hierarchies {
		if err := m.mkdirs(h, name); err != nil {
			return "", fmt.Errorf("create cgroup %s for pod %s/%s: %w", name, pod.Namespace, pod.Name, err)
		}
	}
	// The pods' root is capped at node allocatable and BestEffort pods
	// together get the minimum weight, as kubelet's QoS cgroups do.
	if err := m.apply(m.root, m.rootResources()); err != nil {
		return "", fmt.Errorf("set cgroup limits of %s: %w", m.root, err)
	}
	if containerconfig.QOSClass(pod) == v1.PodQOSBestEffort {
		if err := m.apply(filepath.Join(m.root, "besteffort"), Resources{CPUShares: containerconfig.MinShares}); err != nil {
			return "", fmt.Errorf("set cgroup limits of %s/besteffort: %w", m.root, err)
		}
	}
	if err := m.apply(name, want.resources); err != nil {
		return "", fmt.Errorf("set cgroup limits for pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	m.mu.Lock()
	m.ensured[pod.UID] = want
	m.mu.Unlock()
	return name, nil
}

// mkdirs creates each level of name under hierarchy h, initialising what a
// new cgroup needs before tasks may join it.
func (m *Manager) mkdirs(h, name string) error {
	cur := h
	for _, part := range strings.Split(strings.Trim(name, "/"), "/") {
		parent := cur
		cur = filepath.Join(cur, part)
		if m.v2 {
			if err := enableControllers(parent); err != nil {
				return err
			}
		}
		if err := os.Mkdir(cur, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		if !m.v2 && strings.Contains(filepath.Base(h), "cpuset") {
			// A v1 cpuset cgroup starts with no cpus or mems, and tasks
			// cannot join it until they are copied from the parent.
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				if err := inherit(parent, cur, f); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func inherit(parent, dir, file string) error {
	cur, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil || strings.TrimSpace(string(cur)) != "" {
		return err
	}
	val, err := os.ReadFile(filepath.Join(parent, file))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, file), val, 0)
}

// enableControllers lets dir's children use the controllers pods need.
func enableControllers(dir string) error {
	avail, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return err
	}
	var want []string
	for _, c := range strings.Fields(string(avail)) {
		switch c {
		case "cpu", "cpuset", "memory", "pids", "io", "hugetlb":
			want = append(want, "+"+c)
		}
	}
	if len(want) == 0 {
		return nil
	}
	return os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte(strings.Join(want, " ")), 0)
}

func (m *Manager) rootResources() Resources {
	var r Resources
	if cpu, ok := m.allocatable[v1.ResourceCPU]; ok {
		r.CPUShares = containerconfig.MilliCPUToShares(cpu.MilliValue())
	}
	if mem, ok := m.allocatable[v1.ResourceMemory]; ok {
		r.MemoryLimit = mem.Value()
	}
	return r
}

func (m *Manager) apply(name string, r Resources) error {
	writes := map[string]string{}
	if m.v2 {
		if r.CPUShares != 0 {
			writes["cpu.weight"] = strconv.FormatInt(sharesToWeight(r.CPUShares), 10)
		}
		if r.CPUPeriod != 0 {
			quota := "max"
			if r.CPUQuota > 0 {
				quota = strconv.FormatInt(r.CPUQuota, 10)
			}
			writes["cpu.max"] = quota + " " + strconv.FormatInt(r.CPUPeriod, 10)
		}
		if r.MemoryLimit != 0 {
			writes["memory.max"] = strconv.FormatInt(r.MemoryLimit, 10)
		}
	} else {
		if r.CPUShares != 0 {
			writes["cpu.shares"] = strconv.FormatInt(r.CPUShares, 10)
		}
		if r.CPUPeriod != 0 {
			writes["cpu.cfs_period_us"] = strconv.FormatInt(r.CPUPeriod, 10)
			writes["cpu.cfs_quota_us"] = strconv.FormatInt(r.CPUQuota, 10)
		}
		if r.MemoryLimit != 0 {
			writes["memory.limit_in_bytes"] = strconv.FormatInt(r.MemoryLimit, 10)
		}
	}
	for file, val := range writes {
		for _, h := range m.hierarchies {
			p := filepath.Join(h, name, file)
			if _, err := os.Stat(p); err != nil {
				continue // the controller lives in another hierarchy
			}
			if err := os.WriteFile(p, []byte(val), 0); err != nil {
				return fmt.Errorf("write %s: %w", p, err)
			}
		}
	}
	return nil
}

// RemovePod removes the pod's cgroup (and any container cgroups the runtime
// left under it) from every hierarchy.
func (m *Manager) RemovePod(pod *v1.Pod) error {
	// The pod may be an orphan known only by its UID (no spec, so no QoS
	// class): look in every QoS group.
	m.mu.Lock()
	delete(m.ensured, pod.UID)
	m.mu.Unlock()
	leaf := "pod" + string(pod.UID)
	var errs []error
	for _, h := range m.hierarchies {
		for _, group := range []string{"", "burstable", "besteffort"} {
			if err := removeTree(filepath.Join(h, m.root, group, leaf)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove cgroup %s of pod %s/%s: %w", leaf, pod.Namespace, pod.Name, err)
	}
	return nil
}

// Purge removes every cgroup under the root, pods' included, for tearing a
// node down after its containers are gone.
func (m *Manager) Purge() error {
	var errs []error
	for _, h := range m.hierarchies {
		if err := removeTree(filepath.Join(h, m.root)); err != nil {
			errs = append(errs, fmt.Errorf("remove cgroups under %s: %w", filepath.Join(h, m.root), err))
		}
	}
	return errors.Join(errs...)
}

// Cleanup removes the pods' root cgroups where they are empty, for a clean
// shutdown; cgroups still holding processes are left alone.
func (m *Manager) Cleanup() error {
	var errs []error
	for _, h := range m.hierarchies {
		for _, dir := range []string{filepath.Join(h, m.root, "burstable"), filepath.Join(h, m.root, "besteffort"), filepath.Join(h, m.root)} {
			if err := unix.Rmdir(dir); err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EBUSY) && !errors.Is(err, unix.ENOTEMPTY) {
				errs = append(errs, fmt.Errorf("remove cgroup %s: %w", dir, err))
			}
		}
	}
	return errors.Join(errs...)
}

// killTasks SIGKILLs what is left in a pod cgroup being purged: its
// containers outlived a runtime that could not be asked to stop them.
func killTasks(dir string) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return
	}
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
			slog.Warn("Killing a process left in a pod cgroup", "cgroup", dir, "pid", pid)
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	}
}

// removeTree removes a cgroup directory bottom-up (cgroupfs only allows
// rmdir of a cgroup without children), retrying briefly while the kernel
// still counts exiting tasks.
func removeTree(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	killTasks(dir)
	const attempts = 20
	for i := 0; ; i++ {
		err := unix.Rmdir(dir)
		switch {
		case err == nil, errors.Is(err, unix.ENOENT):
			return nil
		case errors.Is(err, unix.EBUSY) && i < attempts:
			time.Sleep(50 * time.Millisecond)
		default:
			slog.Warn("Cgroup not removed", "cgroup", dir, "err", err)
			return err
		}
	}
}
