package pods

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"google.golang.org/grpc/status"
	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// startContainer pulls, creates and starts one container, then runs its
// postStart hook. A failure becomes the container's waiting reason (and an
// event); the next sync tries again.
func (s *podSync) startContainer(ctx context.Context, spec *v1.Container, isInit bool, attempt uint32) {
	m, pod, fp := s.m, s.pod, fieldPath(spec.Name, isInit)
	log := s.log.With("container", spec.Name, "attempt", attempt)
	fail := func(reason string, err error) {
		s.w.waiting[spec.Name] = waiting{Reason: reason, Message: err.Error()}
		log.Error("Start container failed", "reason", reason, "err", err)
	}
	ref, err := m.cfg.Images.EnsureImage(ctx, pod, spec, m.pullSecrets(pod), s.sandbox)
	if err != nil {
		reason := "ErrImagePull"
		var r interface{ Reason() string }
		if errors.As(err, &r) && r.Reason() != "" {
			reason = r.Reason()
		}
		// kubelet's event names only the reason; the image manager has
		// already recorded what went wrong.
		m.event(pod, fp, v1.EventTypeWarning, "Failed", "Error: "+reason)
		fail(reason, err)
		return
	}
	vols, err := s.volumes(ctx)
	if err != nil {
		m.event(pod, "", v1.EventTypeWarning, "FailedMount", err.Error())
		fail(reasonContainerCreating, err)
		return
	}
	cfg, err := m.cfg.Builder.Container(pod, spec, ContainerOptions{ImageRef: ref, Attempt: attempt, Volumes: vols, PodIPs: s.sandboxIPs})
	if err != nil {
		m.event(pod, fp, v1.EventTypeWarning, "Failed", "Error: "+err.Error())
		fail(reasonCreateConfigError, err)
		return
	}
	cfg.Labels = withPodLabels(cfg.Labels, pod)
	cfg.Labels[labelContainerName] = spec.Name
	if cfg.Annotations == nil {
		cfg.Annotations = map[string]string{}
	}
	if _, ok := cfg.Annotations[annotationRestarts]; !ok {
		cfg.Annotations[annotationRestarts] = strconv.FormatUint(uint64(attempt), 10)
	}
	if cfg.Metadata == nil {
		cfg.Metadata = &runtimeapi.ContainerMetadata{Name: spec.Name, Attempt: attempt}
	}
	created, err := m.cfg.Runtime.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: s.sandboxID, Config: cfg, SandboxConfig: s.sandbox})
	if err != nil {
		m.event(pod, fp, v1.EventTypeWarning, "Failed", "Error: "+runtimeMessage(err))
		fail(reasonCreateContainerError, errors.New(runtimeMessage(err)))
		return
	}
	id := created.GetContainerId()
	m.event(pod, fp, v1.EventTypeNormal, "Created", "Created container: "+spec.Name)
	if _, err := m.cfg.Runtime.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: id}); err != nil {
		m.event(pod, fp, v1.EventTypeWarning, "Failed", "Error: "+runtimeMessage(err))
		fail(reasonRunContainerError, errors.New(runtimeMessage(err)))
		return
	}
	m.event(pod, fp, v1.EventTypeNormal, "Started", "Started container "+spec.Name)
	delete(s.w.waiting, spec.Name)
	log.Info("Started container", "containerID", id)
	if spec.Lifecycle == nil || spec.Lifecycle.PostStart == nil {
		return
	}
	if err := m.runHook(ctx, pod, spec, id, spec.Lifecycle.PostStart, s.sandboxIPs); err != nil {
		// The hook's output may hold secrets: the event does not carry it.
		m.event(pod, fp, v1.EventTypeWarning, "FailedPostStartHook", "PostStartHook failed")
		log.Error("PostStart hook failed", "err", err)
		m.stopContainer(ctx, pod, spec, isInit, id, "FailedPostStartHook", containerGrace(pod, nil))
		fail(reasonPostStartHookError, err)
	}
}

// pullSecrets resolves the pod's imagePullSecrets; a missing one is skipped,
// as kubelet does, and the pull may still work anonymously.
func (m *Manager) pullSecrets(pod *v1.Pod) []v1.Secret {
	if m.cfg.Secrets == nil {
		return nil
	}
	var out []v1.Secret
	for _, ref := range pod.Spec.ImagePullSecrets {
		sec, err := m.cfg.Secrets(pod.Namespace, ref.Name)
		if err != nil {
			m.log.Warn("Image pull secret unavailable", "pod", pod.Namespace+"/"+pod.Name, "secret", ref.Name, "err", err)
			continue
		}
		out = append(out, *sec)
	}
	return out
}

// killUnhealthy stops running containers whose liveness (or startup) probe
// failed; it reports whether it stopped any.
func (s *podSync) killUnhealthy(ctx context.Context) (bool, error) {
	killed := false
	check := func(spec *v1.Container, isInit bool) {
		c := s.rt.latest(spec.Name)
		if c == nil || !c.running() {
			return
		}
		failed, msg := s.m.cfg.Probes.LivenessFailed(c.ID)
		if !failed {
			return
		}
		message := fmt.Sprintf("Container %s failed liveness probe", spec.Name)
		if shouldRestart(s.pod, spec, isInit, 1) {
			message += ", will be restarted"
		}
		s.log.Info("Container failed liveness probe", "container", spec.Name, "probe", msg)
		var probeGrace *int64
		if spec.LivenessProbe != nil {
			probeGrace = spec.LivenessProbe.TerminationGracePeriodSeconds
		}
		s.m.stopContainer(ctx, s.pod, spec, isInit, c.ID, message, containerGrace(s.pod, probeGrace))
		killed = true
	}
	for i := range s.pod.Spec.InitContainers {
		if isSidecar(&s.pod.Spec.InitContainers[i]) {
			check(&s.pod.Spec.InitContainers[i], true)
		}
	}
	for i := range s.pod.Spec.Containers {
		check(&s.pod.Spec.Containers[i], false)
	}
	return killed, nil
}

// prune removes exited containers older than the newest of each name: the
// newest stays for `kubectl logs --previous` and the restart count.
func (s *podSync) prune(ctx context.Context) error {
	rt, err := readRuntime(ctx, s.m.cfg.Runtime, s.pod.UID)
	if err != nil {
		return err
	}
	seenExited := map[string]bool{}
	for _, c := range rt.Containers {
		if !c.exited() {
			continue
		}
		if !seenExited[c.Name] {
			seenExited[c.Name] = true
			continue
		}
		if _, err := s.m.cfg.Runtime.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: c.ID}); err != nil {
			return fmt.Errorf("remove old container %s of pod %s: %w", c.ID, s.pod.UID, err)
		}
	}
	return nil
}

// runtimeMessage is a CRI error as kubelet shows it in events and waiting
// messages: the runtime's own words, without gRPC's "rpc error: code = ..."
// wrapping.
func runtimeMessage(err error) string {
	if st, ok := status.FromError(err); ok {
		return st.Message()
	}
	return err.Error()
}
