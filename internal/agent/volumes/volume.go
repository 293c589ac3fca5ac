package volumes

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// setupVolume readies one volume. Volumes whose host side never changes
// are recorded in s.paths and skipped by later syncs; API-backed ones are
// recomputed every time and written only when their payload changed.
func (m *Manager) setupVolume(ctx context.Context, s *podState, v *corev1.Volume) (string, error) {
	pod := s.pod
	wrap := func(err error) error {
		return fmt.Errorf("MountVolume.SetUp failed for volume %q : %w", v.Name, err)
	}
	switch {
	case v.HostPath != nil:
		if err := checkHostPath(v.HostPath.Path, v.HostPath.Type); err != nil {
			return "", wrap(err)
		}
		s.paths[v.Name] = v.HostPath.Path
		return v.HostPath.Path, nil
	case v.EmptyDir != nil:
		dir := m.volumeDir(pod.UID, "empty-dir", v.Name)
		if err := setupEmptyDir(dir, v.EmptyDir, fsGroup(pod)); err != nil {
			return "", wrap(err)
		}
		s.paths[v.Name] = dir
		return dir, nil
	case v.PersistentVolumeClaim != nil:
		// Claim errors are kubelet's volume-manager messages, which carry
		// no MountVolume prefix.
		p, err := m.claimPath(ctx, pod.Namespace, v.PersistentVolumeClaim.ClaimName)
		if err != nil {
			return "", err
		}
		s.paths[v.Name] = p
		return p, nil
	}
	kind, tmpfs := apiKind(v)
	if kind == "" {
		return "", wrap(fmt.Errorf("volume type not supported by bosun (only emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim are)"))
	}
	payload, err := m.payload(ctx, pod, v)
	if err != nil {
		return "", wrap(err)
	}
	dir := m.volumeDir(pod.UID, kind, v.Name)
	sum := hashPayload(payload)
	if prev, ok := s.written[v.Name]; ok && prev == sum {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", wrap(fmt.Errorf("create volume dir: %w", err))
	}
	if tmpfs {
		if err := mountTmpfs(dir, m.cfg.TmpfsSize); err != nil {
			return "", wrap(err)
		}
	}
	changed, err := WriteAtomic(dir, payload, m.clock.Now())
	if err != nil {
		return "", wrap(err)
	}
	if changed {
		m.log.Info("Wrote volume", "pod", pod.Namespace+"/"+pod.Name, "volume", v.Name, "files", len(payload))
	}
	s.written[v.Name] = sum
	return dir, nil
}

// apiKind names the directory kind of an API-backed volume and says
// whether it lives on tmpfs: secrets (and projections, which may hold
// tokens and secrets) never touch the node's disk, as with kubelet.
func apiKind(v *corev1.Volume) (kind string, tmpfs bool) {
	switch {
	case v.ConfigMap != nil:
		return "configmap", false
	case v.Secret != nil:
		return "secret", true
	case v.DownwardAPI != nil:
		return "downward-api", false
	case v.Projected != nil:
		return "projected", true
	}
	return "", false
}

// fsGroup is the pod's securityContext.fsGroup, or -1 without one.
func fsGroup(pod *corev1.Pod) int {
	if sc := pod.Spec.SecurityContext; sc != nil && sc.FSGroup != nil {
		return int(*sc.FSGroup)
	}
	return -1
}

// setupEmptyDir makes the world-writable directory kubelet gives an
// emptyDir (any container user may write it); medium Memory is a tmpfs
// capped at sizeLimit. With an fsGroup (gid >= 0) the directory belongs to
// that group with the setgid bit, as kubelet's volume ownership does, so
// files the containers create there inherit the group.
func setupEmptyDir(dir string, e *corev1.EmptyDirVolumeSource, gid int) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("create emptyDir: %w", err)
	}
	if e.Medium == corev1.StorageMediumMemory {
		var size int64
		if e.SizeLimit != nil {
			size = e.SizeLimit.Value()
		}
		if err := mountTmpfs(dir, size); err != nil {
			return err
		}
	}
	mode := os.FileMode(0o777)
	if gid >= 0 {
		if err := os.Chown(dir, -1, gid); err != nil {
			return fmt.Errorf("set emptyDir group to fsGroup %d: %w", gid, err)
		}
		mode |= os.ModeSetgid
	}
	if err := os.Chmod(dir, mode); err != nil {
		return fmt.Errorf("chmod emptyDir: %w", err)
	}
	return nil
}

// hashPayload fingerprints a payload (paths, modes, groups, bytes) so an
// unchanged volume is recognised without reading the disk.
func hashPayload(payload map[string]File) uint64 {
	keys := make([]string, 0, len(payload))
	for k := range payload {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := fnv.New64a()
	for _, k := range keys {
		f := payload[k]
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(strconv.FormatUint(uint64(f.Mode), 8) + ":" + strconv.Itoa(f.GID)))
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(len(f.Data))))
		h.Write([]byte{0})
		h.Write(f.Data)
	}
	return h.Sum64()
}
