package pods

import (
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Waiting reasons kubelet reports, beside those the image manager returns.
const (
	reasonContainerCreating    = "ContainerCreating"
	reasonPodInitializing      = "PodInitializing"
	reasonCrashLoopBackOff     = "CrashLoopBackOff"
	reasonCreateConfigError    = "CreateContainerConfigError"
	reasonCreateContainerError = "CreateContainerError"
	reasonRunContainerError    = "RunContainerError"
	reasonPostStartHookError   = "PostStartHookError"
)

// waiting is why a container that is not running is not: the outcome of the
// last attempt to start it.
type waiting struct{ Reason, Message string }

// statusInput is everything a pod's status is computed from.
type statusInput struct {
	Pod     *v1.Pod
	Runtime *runtimePod
	// Waiting holds the last start failure by container name.
	Waiting map[string]waiting
	Ready   func(containerID string) bool
	Started func(containerID string) bool
	HostIPs []string
	Now     time.Time
	// Terminal is set once the worker has stopped the pod for good (killed,
	// deleted, finished): nothing will be restarted.
	Terminal bool
	// Reason and Message explain a pod the agent killed (e.g. Evicted).
	Reason, Message string
}

// podStatus computes the pod's status as kubelet reports it. Conditions other
// than the four the agent owns are kept from the pod's current status.
func podStatus(in statusInput) v1.PodStatus {
	pod, old := in.Pod, in.Pod.Status
	st := v1.PodStatus{
		QOSClass:  old.QOSClass,
		StartTime: old.StartTime,
		Reason:    old.Reason,
		Message:   old.Message,
	}
	if st.QOSClass == "" {
		st.QOSClass = qosClass(pod)
	}
	if st.StartTime == nil {
		t := apiTime(in.Now)
		st.StartTime = &t
	}
	if in.Reason != "" {
		st.Reason, st.Message = in.Reason, in.Message
	}
	for _, ip := range in.HostIPs {
		st.HostIPs = append(st.HostIPs, v1.HostIP{IP: ip})
	}
	if len(st.HostIPs) > 0 {
		st.HostIP = st.HostIPs[0].IP
	}
	var ips []string
	if sb := in.Runtime.sandbox(); sb != nil {
		ips = sb.IPs
	}
	if pod.Spec.HostNetwork {
		ips = in.HostIPs
	}
	for _, ip := range ips {
		st.PodIPs = append(st.PodIPs, v1.PodIP{IP: ip})
	}
	if len(st.PodIPs) == 0 {
		// A stopped sandbox reports no address; the pod keeps the one it had.
		st.PodIPs = old.PodIPs
	}
	if len(st.PodIPs) > 0 {
		st.PodIP = st.PodIPs[0].IP
	}

	hasInit := len(pod.Spec.InitContainers) > 0
	st.InitContainerStatuses = containerStatuses(in, pod.Spec.InitContainers, hasInit, true)
	st.ContainerStatuses = containerStatuses(in, pod.Spec.Containers, hasInit, false)
	st.Phase = podPhase(pod, &st, old.Phase, in.Terminal)

	now := apiTime(in.Now)
	for _, c := range old.Conditions {
		if !ownedCondition(c.Type) {
			st.Conditions = append(st.Conditions, c)
		}
	}
	for _, c := range podConditions(pod, &st, in.Runtime) {
		st.Conditions = append(st.Conditions, withTransition(c, old.Conditions, now))
	}
	return st
}

func containerStatuses(in statusInput, specs []v1.Container, hasInit, isInit bool) []v1.ContainerStatus {
	if len(specs) == 0 {
		return nil
	}
	defaultReason := reasonContainerCreating
	if hasInit {
		defaultReason = reasonPodInitializing
	}
	out := make([]v1.ContainerStatus, 0, len(specs))
	for _, spec := range specs {
		s := v1.ContainerStatus{Name: spec.Name, Image: spec.Image, Started: new(false)}
		hist := in.Runtime.history(spec.Name)
		if len(hist) == 0 {
			s.State.Waiting = &v1.ContainerStateWaiting{Reason: defaultReason}
		} else {
			cur := hist[0]
			s.State = containerState2API(cur)
			s.ContainerID = containerIDPrefix + cur.ID
			s.ImageID = cur.ImageRef
			s.RestartCount = cur.RestartCount
			if cur.running() {
				s.Ready = in.Ready(cur.ID)
				s.Started = new(in.Started(cur.ID))
			}
			if len(hist) > 1 && hist[1].exited() {
				s.LastTerminationState = containerState2API(hist[1])
			}
		}
		// A start failure shows only while the container is due to (re)start:
		// an exit that is final stays the container's state.
		restarting := len(hist) == 0 || !hist[0].exited() || shouldRestart(in.Pod, &spec, isInit, hist[0].ExitCode)
		if w, ok := in.Waiting[spec.Name]; ok && s.State.Running == nil && !in.Terminal && restarting {
			if s.State.Terminated != nil {
				s.LastTerminationState = s.State
			}
			s.State = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: w.Reason, Message: w.Message}}
		}
		out = append(out, s)
	}
	return out
}

func containerState2API(c *containerState) v1.ContainerState {
	switch {
	case c.running():
		return v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: apiTime(c.StartedAt)}}
	case c.exited():
		reason := c.Reason
		if reason == "" {
			reason = "Error"
			if c.ExitCode == 0 {
				reason = "Completed"
			}
		}
		return v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
			ExitCode: c.ExitCode, Reason: reason, Message: c.Message,
			StartedAt: apiTime(c.StartedAt), FinishedAt: apiTime(c.FinishedAt), ContainerID: containerIDPrefix + c.ID,
		}}
	}
	return v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reasonContainerCreating}}
}

// apiTime is t as the API stores it (whole seconds, UTC), so a status read
// back compares equal to the one computed.
func apiTime(t time.Time) metav1.Time {
	if t.IsZero() {
		return metav1.Time{}
	}
	return metav1.NewTime(t.Truncate(time.Second).UTC())
}

// qosClass classifies a pod by Kubernetes' rules: BestEffort without any cpu
// or memory request or limit, Guaranteed when every container limits both and
// its requests (if given) equal the limits, Burstable otherwise.
func qosClass(p *v1.Pod) v1.PodQOSClass {
	some, guaranteed := false, true
	for _, c := range append(append([]v1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
		for _, r := range []v1.ResourceName{v1.ResourceCPU, v1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[r]
			lim, hasLim := c.Resources.Limits[r]
			some = some || (hasReq && !req.IsZero()) || (hasLim && !lim.IsZero())
			if !hasLim || lim.IsZero() || (hasReq && req.Cmp(lim) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !some:
		return v1.PodQOSBestEffort
	case guaranteed:
		return v1.PodQOSGuaranteed
	}
	return v1.PodQOSBurstable
}
