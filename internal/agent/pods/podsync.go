package pods

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bosun-dev/bosun/internal/agent/containerconfig"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// podSync is the state of one sync of a live pod.
type podSync struct {
	m   *Manager
	log *slog.Logger
	w   *worker
	pod *v1.Pod
	rt  *runtimePod

	sandboxID  string
	sandbox    *runtimeapi.PodSandboxConfig
	sandboxIPs []string
	vols       map[string]string
	volsDone   bool
}

// volumes sets up the pod's volumes once per sync.
func (s *podSync) volumes(ctx context.Context) (map[string]string, error) {
	if s.volsDone {
		return s.vols, nil
	}
	// The volume manager's error is the FailedMount event's message as
	// kubelet words it ("MountVolume.SetUp failed for volume ..."), so it is
	// passed on as it is; the caller's log names the pod.
	vols, err := s.m.cfg.Volumes.Setup(ctx, s.pod)
	if err != nil {
		return nil, err
	}
	s.vols, s.volsDone = vols, true
	return vols, nil
}

// sandboxConfig builds the sandbox's CRI config, which CreateContainer and
// image pulls need again on every sync.
func (s *podSync) sandboxConfig(id string, attempt uint32, ips []string) error {
	parent, err := s.m.cfg.Cgroups.EnsurePod(s.pod)
	if err != nil {
		return fmt.Errorf("create cgroup of pod %s/%s: %w", s.pod.Namespace, s.pod.Name, err)
	}
	cfg, err := s.m.cfg.Builder.Sandbox(s.pod, attempt)
	if err != nil {
		return fmt.Errorf("build sandbox config of pod %s/%s: %w", s.pod.Namespace, s.pod.Name, err)
	}
	cfg.Labels = withPodLabels(cfg.Labels, s.pod)
	if cfg.Linux == nil {
		cfg.Linux = &runtimeapi.LinuxPodSandboxConfig{}
	}
	cfg.Linux.CgroupParent = parent
	s.sandboxID, s.sandbox, s.sandboxIPs = id, cfg, ips
	return nil
}

func (s *podSync) createSandbox(ctx context.Context, attempt uint32) (string, error) {
	if err := s.sandboxConfig("", attempt, nil); err != nil {
		return "", err
	}
	resp, err := s.m.runPodSandbox(ctx, s.sandbox)
	if err != nil {
		return "", fmt.Errorf("run sandbox of pod %s/%s: %w", s.pod.Namespace, s.pod.Name, err)
	}
	s.sandboxID = resp.GetPodSandboxId()
	s.log.Info("Created pod sandbox", "sandbox", s.sandboxID, "attempt", attempt)
	return s.sandboxID, nil
}

// runPodSandbox creates a sandbox once one of the Manager's slots is free.
func (m *Manager) runPodSandbox(ctx context.Context, cfg *runtimeapi.PodSandboxConfig) (*runtimeapi.RunPodSandboxResponse, error) {
	select {
	case m.sandboxSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait to create a sandbox: %w", ctx.Err())
	}
	defer func() { <-m.sandboxSlots }()
	return m.cfg.Runtime.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: cfg})
}

// withPodLabels adds the pod's identity labels the workers find things by,
// whatever the builder set.
func withPodLabels(labels map[string]string, pod *v1.Pod) map[string]string {
	out := maps.Clone(labels)
	if out == nil {
		out = map[string]string{}
	}
	out[labelPodName], out[labelPodNamespace], out[labelPodUID] = pod.Name, pod.Namespace, string(pod.UID)
	return out
}

// shouldRestart reports whether an exited container runs again.
func shouldRestart(pod *v1.Pod, spec *v1.Container, isInit bool, exitCode int32) bool {
	switch {
	case isInit && isSidecar(spec):
		return true
	case isInit:
		return exitCode != 0 && pod.Spec.RestartPolicy != v1.RestartPolicyNever
	case pod.Spec.RestartPolicy == v1.RestartPolicyNever:
		return false
	case pod.Spec.RestartPolicy == v1.RestartPolicyOnFailure:
		return exitCode != 0
	}
	return true
}

// syncContainer starts spec if it never ran, or restarts it after its exit
// when the restart policy and back-off allow.
func (s *podSync) syncContainer(ctx context.Context, spec *v1.Container, isInit bool) {
	latest := s.rt.latest(spec.Name)
	var attempt uint32
	if latest != nil {
		switch {
		case latest.running():
			return
		case latest.exited():
			if !shouldRestart(s.pod, spec, isInit, latest.ExitCode) {
				return
			}
			if s.backingOff(spec, isInit, latest) {
				return
			}
		default:
			// Created but never started (an agent died in between): the
			// attempt failed; replace it.
			if _, err := s.m.cfg.Runtime.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: latest.ID}); err != nil {
				s.log.Error("Remove unstarted container failed", "container", spec.Name, "err", err)
				return
			}
		}
		attempt = latest.Attempt + 1
		if !latest.exited() {
			attempt = latest.Attempt
		}
	} else if s.m.cfg.LogDir != "" {
		// The runtime forgot the pod (a node reboot, `make stop`): continue
		// the count from the log files left, as kubelet does, instead of
		// appending to 0.log again.
		attempt = nextAttemptFromLogs(filepath.Join(containerconfig.LogDirectory(s.m.cfg.LogDir, s.pod), spec.Name))
	}
	s.startContainer(ctx, spec, isInit, attempt)
}

// nextAttemptFromLogs is one more than the highest <n>.log in dir, or 0.
func nextAttemptFromLogs(dir string) uint32 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	next := uint32(0)
	for _, e := range entries {
		n, err := strconv.ParseUint(strings.TrimSuffix(e.Name(), ".log"), 10, 32)
		if err == nil && strings.HasSuffix(e.Name(), ".log") && uint32(n)+1 > next {
			next = uint32(n) + 1
		}
	}
	return next
}

// backingOff applies the crash-loop back-off to an exited container.
func (s *podSync) backingOff(spec *v1.Container, isInit bool, latest *containerState) bool {
	m, now := s.m, s.m.clock.Now()
	key := string(s.pod.UID) + "/" + spec.Name
	if wait, delay := m.crash.waiting(key, latest.FinishedAt, now); wait {
		desc := podDesc(s.pod)
		s.w.waiting[spec.Name] = waiting{Reason: reasonCrashLoopBackOff,
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s", delay, spec.Name, desc)}
		m.event(s.pod, fieldPath(spec.Name, isInit), v1.EventTypeWarning, "BackOff",
			fmt.Sprintf("Back-off restarting failed container %s in pod %s", spec.Name, desc))
		return true
	}
	m.crash.next(key, latest.FinishedAt, now)
	return false
}

// podDesc names a pod as kubelet's messages do.
func podDesc(pod *v1.Pod) string {
	return fmt.Sprintf("%s_%s(%s)", pod.Name, pod.Namespace, pod.UID)
}

// fieldPath points an event at one container of the pod.
func fieldPath(name string, isInit bool) string {
	if isInit {
		return fmt.Sprintf("spec.initContainers{%s}", name)
	}
	return fmt.Sprintf("spec.containers{%s}", name)
}

// event records an event on the pod, or on one of its containers.
func (m *Manager) event(pod *v1.Pod, fieldPath, eventType, reason, message string) {
	ref := &v1.ObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, Namespace: pod.Namespace,
		UID: pod.UID, ResourceVersion: pod.ResourceVersion, FieldPath: fieldPath}
	m.cfg.Recorder.Event(ref, eventType, reason, message)
}
