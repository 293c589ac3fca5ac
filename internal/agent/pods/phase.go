package pods

import v1 "k8s.io/api/core/v1"

// isSidecar reports an init container that keeps running beside the app
// containers (restartPolicy: Always).
func isSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
}

// podPhase computes the phase as kubelet does from the container statuses
// and the restart policy. A terminal phase never changes again.
func podPhase(pod *v1.Pod, st *v1.PodStatus, old v1.PodPhase, terminal bool) v1.PodPhase {
	if old == v1.PodSucceeded || old == v1.PodFailed {
		return old
	}
	if st.Reason != "" && terminal {
		// Killed by the agent (eviction): kubelet reports Failed.
		return v1.PodFailed
	}
	policy := pod.Spec.RestartPolicy
	pendingInit, failedInit := 0, 0
	for i := range pod.Spec.InitContainers {
		spec := &pod.Spec.InitContainers[i]
		s := findStatus(st.InitContainerStatuses, spec.Name)
		if s == nil {
			pendingInit++
			continue
		}
		if isSidecar(spec) {
			if s.Started == nil || !*s.Started {
				pendingInit++
			}
			continue
		}
		switch {
		case s.State.Terminated != nil && s.State.Terminated.ExitCode == 0:
		case s.State.Terminated != nil:
			failedInit++
		case s.State.Waiting != nil && s.LastTerminationState.Terminated != nil && s.LastTerminationState.Terminated.ExitCode != 0:
			failedInit++
		default:
			pendingInit++
		}
	}
	running, waiting, stopped, succeeded, unknown := 0, 0, 0, 0, 0
	for i := range pod.Spec.Containers {
		s := findStatus(st.ContainerStatuses, pod.Spec.Containers[i].Name)
		switch {
		case s == nil:
			unknown++
		case s.State.Running != nil:
			running++
		case s.State.Terminated != nil:
			stopped++
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case s.State.Waiting != nil && s.LastTerminationState.Terminated != nil:
			stopped++
			if s.LastTerminationState.Terminated.ExitCode == 0 {
				succeeded++
			}
		case s.State.Waiting != nil:
			waiting++
		default:
			unknown++
		}
	}
	started := running+stopped > 0
	switch {
	case failedInit > 0 && policy == v1.RestartPolicyNever:
		return v1.PodFailed
	case failedInit > 0 && terminal:
		return v1.PodFailed
	case (pendingInit > 0 || failedInit > 0) && !started:
		if terminal {
			return v1.PodFailed
		}
		return v1.PodPending
	case waiting > 0 && !terminal:
		return v1.PodPending
	case running > 0 && unknown == 0 && !terminal:
		return v1.PodRunning
	case running == 0 && stopped > 0 && unknown == 0 && waiting == 0:
		if terminal || policy == v1.RestartPolicyNever || (policy == v1.RestartPolicyOnFailure && stopped == succeeded) {
			if stopped == succeeded {
				return v1.PodSucceeded
			}
			return v1.PodFailed
		}
		return v1.PodRunning
	case terminal:
		return v1.PodFailed
	}
	return v1.PodPending
}

func findStatus(ss []v1.ContainerStatus, name string) *v1.ContainerStatus {
	for i := range ss {
		if ss[i].Name == name {
			return &ss[i]
		}
	}
	return nil
}
