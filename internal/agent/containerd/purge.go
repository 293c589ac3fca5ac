package containerd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bosun-dev/bosun/internal/agent/mounts"
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
	return purge(ctx, rt, dataDir, false)
}

// StopAll is Purge that keeps containerd's root: images (imported ones
// included) and their snapshots are there at the next start.
func StopAll(ctx context.Context, rt runtimeapi.RuntimeServiceClient, dataDir string) error {
	return purge(ctx, rt, dataDir, true)
}

func purge(ctx context.Context, rt runtimeapi.RuntimeServiceClient, dataDir string, keepRoot bool) error {
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
	if rt != nil && running {
		errs = append(errs, stopShims(p.socket))
	}
	run := RunDir(abs)
	errs = append(errs, mounts.UnmountAll(unix.MNT_DETACH, p.root, run))
	remove := []string{p.root, run}
	if keepRoot {
		remove = remove[1:]
	}
	for _, dir := range remove {
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
