package pods

import (
	"context"
	"fmt"
	"log/slog"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// sync drives one pod one step towards its spec and reports its status. It
// reports finished once the pod is gone and nothing of it is left.
func (m *Manager) sync(ctx context.Context, w *worker) (bool, error) {
	pod, deleted, kill := w.inputs()
	if pod == nil {
		return false, nil
	}
	log := m.log.With("pod", pod.Namespace+"/"+pod.Name, "podUID", pod.UID)
	rt, err := readRuntime(ctx, m.cfg.Runtime, pod.UID)
	if err != nil {
		return false, err
	}
	if deleted || pod.DeletionTimestamp != nil {
		return m.terminate(ctx, log, w, pod, rt, deleted)
	}
	terminal := false
	switch {
	case kill != nil:
		if !w.killed {
			log.Info("Killing pod", "reason", kill.Reason)
			m.stopPod(ctx, log, pod, rt, deletionGrace(pod))
			w.killed = true
		}
		terminal = true
	case w.isDone() || pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed:
		// Finished before (perhaps under an earlier agent, or the informer
		// has not caught up with the status saying so): keep it stopped.
		m.stopPod(ctx, log, pod, rt, deletionGrace(pod))
		terminal = true
	default:
		if err := m.syncPod(ctx, log, w, pod, rt); err != nil {
			log.Error("Sync pod failed", "err", err)
		}
	}
	if rt, err = readRuntime(ctx, m.cfg.Runtime, pod.UID); err != nil {
		return false, err
	}
	m.readTerminationMessages(log, pod, rt)
	in := statusInput{Pod: pod, Runtime: rt, Waiting: w.waiting, Ready: m.cfg.Probes.Ready, Started: m.cfg.Probes.Started,
		HostIPs: m.cfg.NodeIPs, Now: m.clock.Now(), Terminal: terminal}
	if kill != nil {
		in.Reason, in.Message = kill.Reason, kill.Message
	}
	st := podStatus(in)
	if !terminal && (st.Phase == v1.PodSucceeded || st.Phase == v1.PodFailed) {
		// Nothing will run again: stop what is left (sidecars, the sandbox)
		// but keep the containers for their logs until the pod is deleted.
		log.Info("Pod finished", "phase", st.Phase)
		m.stopPod(ctx, log, pod, rt, deletionGrace(pod))
		terminal = true
	}
	if terminal {
		w.setDone()
	}
	m.cfg.Probes.Update(pod, &st)
	return false, m.writeStatus(ctx, w, pod, st)
}

// syncPod makes the runtime match a live pod: sandbox, init containers, app
// containers. Failures are recorded as waiting reasons and events and retried
// on a later sync.
func (m *Manager) syncPod(ctx context.Context, log *slog.Logger, w *worker, pod *v1.Pod, rt *runtimePod) error {
	s := &podSync{m: m, log: log, w: w, pod: pod, rt: rt}
	sb := rt.sandbox()
	if sb == nil || !sb.Ready {
		ok, err := s.ensureSandbox(ctx, sb)
		if !ok || err != nil {
			return err
		}
	} else if err := s.sandboxConfig(sb.ID, sb.Attempt, sb.IPs); err != nil {
		return err
	}
	restarted, err := s.killUnhealthy(ctx)
	if err != nil {
		return err
	}
	if restarted {
		if s.rt, err = readRuntime(ctx, m.cfg.Runtime, pod.UID); err != nil {
			return err
		}
	}
	if s.syncInit(ctx) {
		for i := range pod.Spec.Containers {
			s.syncContainer(ctx, &pod.Spec.Containers[i], false)
		}
	}
	return s.prune(ctx)
}

// ensureSandbox (re)creates the pod's sandbox; it reports whether the pod
// can go on to its containers in this sync.
func (s *podSync) ensureSandbox(ctx context.Context, dead *sandboxState) (bool, error) {
	m, pod := s.m, s.pod
	now := m.clock.Now()
	key := string(pod.UID) + "/"
	var attempt uint32
	if dead != nil {
		if pod.Spec.RestartPolicy == v1.RestartPolicyNever && len(s.rt.Containers) > 0 {
			// kubelet does not rerun a Never pod whose sandbox died; what
			// ran is its result.
			m.stopPod(ctx, s.log, pod, s.rt, deletionGrace(pod))
			return false, nil
		}
		attempt = dead.Attempt + 1
	}
	if m.setup.blocked(key, now) {
		return false, nil
	}
	if _, err := s.volumes(ctx); err != nil {
		m.setup.next(key, now, now)
		m.event(pod, "", v1.EventTypeWarning, "FailedMount", err.Error())
		return false, nil
	}
	if dead != nil {
		s.log.Info("Sandbox died, recreating it", "sandbox", dead.ID, "attempt", attempt)
		m.event(pod, "", v1.EventTypeNormal, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.")
		m.stopPod(ctx, s.log, pod, s.rt, deletionGrace(pod))
		if err := s.purgeInit(ctx); err != nil {
			return false, err
		}
	}
	id, err := s.createSandbox(ctx, attempt)
	if err != nil {
		m.setup.next(key, now, now)
		m.event(pod, "", v1.EventTypeWarning, "FailedCreatePodSandBox", fmt.Sprintf("Failed to create pod sandbox: %v", err))
		return false, nil
	}
	if s.rt, err = readRuntime(ctx, m.cfg.Runtime, pod.UID); err != nil {
		return false, err
	}
	sb := s.rt.sandbox()
	if sb == nil || sb.ID != id {
		return false, fmt.Errorf("sandbox %s of pod %s vanished after creation", id, pod.UID)
	}
	s.sandboxIPs = sb.IPs
	return true, nil
}

// purgeInit removes the init containers of a dead sandbox: a new sandbox
// runs initialization again from the start.
func (s *podSync) purgeInit(ctx context.Context) error {
	for i := range s.pod.Spec.InitContainers {
		for _, c := range s.rt.history(s.pod.Spec.InitContainers[i].Name) {
			if _, err := s.m.cfg.Runtime.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: c.ID}); err != nil {
				return fmt.Errorf("remove init container %s of pod %s: %w", c.Name, s.pod.UID, err)
			}
		}
	}
	var err error
	s.rt, err = readRuntime(ctx, s.m.cfg.Runtime, s.pod.UID)
	return err
}

// syncInit runs the init containers in order and reports whether the app
// containers may start. Sidecars are kept running, also afterwards.
func (s *podSync) syncInit(ctx context.Context) bool {
	// App containers in this sandbox mean initialization finished; those of a
	// dead sandbox do not: a new sandbox initializes again.
	initialized := false
	for _, c := range s.pod.Spec.Containers {
		if l := s.rt.latest(c.Name); l != nil && l.SandboxID == s.sandboxID {
			initialized = true
		}
	}
	for i := range s.pod.Spec.InitContainers {
		spec := &s.pod.Spec.InitContainers[i]
		latest := s.rt.latest(spec.Name)
		if isSidecar(spec) {
			if latest == nil || !latest.running() {
				s.syncContainer(ctx, spec, true)
				if !initialized {
					return false
				}
				continue
			}
			if !initialized && !s.m.cfg.Probes.Started(latest.ID) {
				return false
			}
			continue
		}
		if initialized {
			continue
		}
		switch {
		case latest != nil && latest.exited() && latest.ExitCode == 0:
			continue
		case latest != nil && latest.running():
			return false
		}
		s.syncContainer(ctx, spec, true)
		return false
	}
	return true
}
