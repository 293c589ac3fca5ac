package containerd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Purge tears down everything the agent's containerd for dataDir holds:
// every container and pod sandbox through rt (skipped when rt is nil or
// that containerd is not running),
// then the containerd itself (the one in its pid file, whoever started
// it; a supervising Process sees the pid file gone and lets it be), then
// every mount left under its root and run dirs, deepest first, and finally
// those dirs. Errors are collected so one stuck pod does not stop the rest.
func Purge(ctx context.Context, rt runtimeapi.RuntimeServiceClient, dataDir string) error {
	abs, err := dataDirAbs(dataDir)
	if err != nil {
		return err
	}
	p := pathsFor(abs)
	var errs []error
	pid := readPID(p.pidFile)
	running := ourContainerd(pid, p.config)
	// A stopped containerd cannot be asked; its shims keep running.
	if rt != nil && running {
		errs = append(errs, removePods(ctx, rt)...)
	}
	if running {
		os.Remove(p.pidFile)
		exited, _ := exitWatch(pid, nil)
		if err := terminate(pid, exited); err != nil {
			errs = append(errs, err)
		}
	}
	run := RunDir(abs)
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		errs = append(errs, fmt.Errorf("read mountinfo: %w", err))
	}
	for _, m := range mountsUnder(string(info), p.root, run) {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m, err))
		}
	}
	for _, dir := range []string{p.root, run} {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", dir, err))
		}
	}
	return errors.Join(errs...)
}

func dataDirAbs(dataDir string) (string, error) {
	if dataDir == "" {
		return "", fmt.Errorf("purge containerd: no data dir")
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return "", fmt.Errorf("purge containerd: data dir %s: %w", dataDir, err)
	}
	return abs, nil
}

// removePods stops and removes every container, then every sandbox (which
// also tears down its network namespace through CNI).
func removePods(ctx context.Context, rt runtimeapi.RuntimeServiceClient) []error {
	var errs []error
	ctrs, err := rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		return []error{fmt.Errorf("list containers: %w", err)}
	}
	for _, c := range ctrs.Containers {
		if _, err := rt.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: c.Id}); err != nil {
			errs = append(errs, fmt.Errorf("stop container %s: %w", c.Id, err))
		}
		if _, err := rt.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: c.Id}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", c.Id, err))
		}
	}
	sbs, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return append(errs, fmt.Errorf("list pod sandboxes: %w", err))
	}
	for _, s := range sbs.Items {
		if _, err := rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: s.Id}); err != nil {
			errs = append(errs, fmt.Errorf("stop pod sandbox %s: %w", s.Id, err))
		}
		if _, err := rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: s.Id}); err != nil {
			errs = append(errs, fmt.Errorf("remove pod sandbox %s: %w", s.Id, err))
		}
	}
	return errs
}

// mountsUnder returns the mount points in mountinfo that are dirs or lie
// below any of dirs, deepest first so that no unmount is hidden by its
// parent's; a point with stacked mounts appears once per mount.
func mountsUnder(mountinfo string, dirs ...string) []string {
	var out []string
	for _, line := range strings.Split(mountinfo, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountPath(fields[4])
		for _, d := range dirs {
			if mp == d || strings.HasPrefix(mp, strings.TrimSuffix(d, "/")+"/") {
				out = append(out, mp)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.Count(out[i], "/") > strings.Count(out[j], "/")
	})
	return out
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
