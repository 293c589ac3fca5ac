package containerconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// mounts maps the container's volumeMounts onto host paths, then adds the
// managed /etc/hosts and the termination-message file.
func (b *Builder) mounts(pod *v1.Pod, c *v1.Container, opts ContainerOptions, env map[string]string) ([]*runtimeapi.Mount, error) {
	var out []*runtimeapi.Mount
	mountsHosts := false
	for _, vm := range c.VolumeMounts {
		hostPath, ok := opts.Volumes[vm.Name]
		if !ok {
			return nil, fmt.Errorf("cannot find volume %q to mount into container %q", vm.Name, c.Name)
		}
		sub := vm.SubPath
		if vm.SubPathExpr != "" {
			sub = Expand(vm.SubPathExpr, mappingFor(env))
		}
		if sub != "" {
			p, err := SubPath(hostPath, sub)
			if err != nil {
				return nil, fmt.Errorf("volume %q subPath for container %q: %w", vm.Name, c.Name, err)
			}
			hostPath = p
		}
		if filepath.Clean(vm.MountPath) == "/etc/hosts" {
			mountsHosts = true
		}
		out = append(out, &runtimeapi.Mount{
			ContainerPath: vm.MountPath,
			HostPath:      hostPath,
			Readonly:      vm.ReadOnly,
			Propagation:   propagation(vm.MountPropagation),
		})
	}
	podDir, err := b.podDir(pod.UID)
	if err != nil {
		return nil, err
	}
	// The runtime would otherwise give the container the image's hosts file;
	// kubelet's has the pod's own name and hostAliases.
	if !mountsHosts && (len(opts.PodIPs) > 0 || pod.Spec.HostNetwork) {
		path, err := b.writeHostsFile(pod, podDir, opts.PodIPs)
		if err != nil {
			return nil, err
		}
		out = append(out, &runtimeapi.Mount{ContainerPath: "/etc/hosts", HostPath: path})
	}
	if c.TerminationMessagePath != "" {
		path, err := TerminationMessageFile(podDir, c.Name, opts.Attempt)
		if err != nil {
			return nil, err
		}
		out = append(out, &runtimeapi.Mount{ContainerPath: c.TerminationMessagePath, HostPath: path})
	}
	return out, nil
}

// TerminationMessageFile creates (empty, writable by any user the container
// runs as) the host file behind a container attempt's terminationMessagePath:
// <podDir>/containers/<name>/<attempt>.termination-log.
func TerminationMessageFile(podDir, container string, attempt uint32) (string, error) {
	dir := filepath.Join(podDir, "containers", container)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create termination message dir for container %q: %w", container, err)
	}
	path := filepath.Join(dir, strconv.FormatUint(uint64(attempt), 10)+".termination-log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o666)
	if err != nil {
		return "", fmt.Errorf("create termination message file for container %q: %w", container, err)
	}
	f.Close()
	// The umask trimmed the mode; non-root containers must still write it.
	if err := os.Chmod(path, 0o666); err != nil {
		return "", fmt.Errorf("chmod termination message file for container %q: %w", container, err)
	}
	return path, nil
}

// SubPath resolves sub under the volume directory, creating it as a
// directory when absent, and refuses any path that leaves the volume —
// through "..", an absolute path, or a symlink pointing outside.
func SubPath(volume, sub string) (string, error) {
	if filepath.IsAbs(sub) {
		return "", fmt.Errorf("subPath %q must not be an absolute path", sub)
	}
	for _, part := range strings.Split(filepath.ToSlash(sub), "/") {
		if part == ".." {
			return "", fmt.Errorf("subPath %q must not contain '..'", sub)
		}
	}
	base, err := filepath.EvalSymlinks(volume)
	if err != nil {
		return "", fmt.Errorf("resolve volume path: %w", err)
	}
	path := filepath.Join(base, sub)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		if err := mkdirUnder(base, sub); err != nil {
			return "", err
		}
	}
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("resolve subPath %q: %w", sub, err)
	}
	if resolved != base && !strings.HasPrefix(resolved, base+string(filepath.Separator)) {
		return "", fmt.Errorf("subPath %q resolves to %s, outside the volume", sub, resolved)
	}
	return resolved, nil
}

// mkdirUnder creates sub's directories one level at a time, checking after
// each that a symlink did not carry it outside base.
func mkdirUnder(base, sub string) error {
	cur := base
	for _, part := range strings.Split(filepath.Clean(sub), string(filepath.Separator)) {
		if part == "" || part == "." {
			continue
		}
		next := filepath.Join(cur, part)
		if err := os.Mkdir(next, 0o750); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("create subPath %q: %w", sub, err)
		}
		resolved, err := filepath.EvalSymlinks(next)
		if err != nil {
			return fmt.Errorf("resolve subPath %q: %w", sub, err)
		}
		if resolved != base && !strings.HasPrefix(resolved, base+string(filepath.Separator)) {
			return fmt.Errorf("subPath %q resolves to %s, outside the volume", sub, resolved)
		}
		cur = resolved
	}
	return nil
}

func propagation(p *v1.MountPropagationMode) runtimeapi.MountPropagation {
	if p == nil {
		return runtimeapi.MountPropagation_PROPAGATION_PRIVATE
	}
	switch *p {
	case v1.MountPropagationHostToContainer:
		return runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER
	case v1.MountPropagationBidirectional:
		return runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL
	}
	return runtimeapi.MountPropagation_PROPAGATION_PRIVATE
}
