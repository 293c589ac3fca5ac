package sim

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// running is the status kubelet reports once every container started:
// init containers completed (sidecars running), app containers running,
// started and ready (no probes are simulated), every pod condition True.
func running(p *corev1.Pod, e Env) *corev1.PodStatus {
	now := metav1.NewTime(e.Now.Truncate(time.Second))
	st := p.Status.DeepCopy()
	st.Phase = corev1.PodRunning
	st.HostIP, st.HostIPs = e.HostIP, []corev1.HostIP{{IP: e.HostIP}}
	st.PodIP, st.PodIPs = e.PodIP, []corev1.PodIP{{IP: e.PodIP}}
	if st.StartTime == nil {
		st.StartTime = &now
	}
	st.QOSClass = qosClass(p)
	for _, t := range []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady, corev1.PodScheduled} {
		setCondition(st, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue}, now)
	}
	st.InitContainerStatuses = nil
	for _, c := range p.Spec.InitContainers {
		cs := containerStatus(p, c, now)
		if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			cs.Started = ptr(false)
			cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				Reason: "Completed", StartedAt: now, FinishedAt: now, ContainerID: cs.ContainerID}}
		}
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
	}
	st.ContainerStatuses = nil
	for _, c := range p.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, containerStatus(p, c, now))
	}
	return st
}

// ready is a running pod's status with its containers and itself Ready again.
func ready(p *corev1.Pod, e Env) *corev1.PodStatus {
	now := metav1.NewTime(e.Now.Truncate(time.Second))
	st := p.Status.DeepCopy()
	for _, t := range []corev1.PodConditionType{corev1.ContainersReady, corev1.PodReady} {
		setCondition(st, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue}, now)
	}
	return st
}

// exited is the status after every app container exited with the pod's
// exit code: Succeeded on 0, Failed otherwise (restarts are not simulated).
func exited(p *corev1.Pod, e Env) *corev1.PodStatus {
	now := metav1.NewTime(e.Now.Truncate(time.Second))
	st := p.Status.DeepCopy()
	code := exitCode(p)
	reason, cond := "Completed", corev1.PodCondition{Status: corev1.ConditionFalse, Reason: "PodCompleted"}
	st.Phase = corev1.PodSucceeded
	if code != 0 {
		reason, st.Phase = "Error", corev1.PodFailed
		var names []string
		for _, c := range p.Spec.Containers {
			names = append(names, c.Name)
		}
		cond.Reason = "ContainersNotReady"
		cond.Message = fmt.Sprintf("containers with unready status: [%s]", strings.Join(names, " "))
	}
	for i := range st.ContainerStatuses {
		cs := &st.ContainerStatuses[i]
		startedAt := now
		if cs.State.Running != nil {
			startedAt = cs.State.Running.StartedAt
		}
		cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: code, Reason: reason, StartedAt: startedAt, FinishedAt: now, ContainerID: cs.ContainerID}}
		cs.Ready, cs.Started = false, ptr(false)
	}
	for _, t := range []corev1.PodConditionType{corev1.ContainersReady, corev1.PodReady} {
		cond.Type = t
		setCondition(st, cond, now)
	}
	setCondition(st, corev1.PodCondition{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionFalse}, now)
	return st
}

func containerStatus(p *corev1.Pod, c corev1.Container, now metav1.Time) corev1.ContainerStatus {
	id := sha256.Sum256([]byte(string(p.UID) + "/" + c.Name))
	img := sha256.Sum256([]byte(c.Image))
	return corev1.ContainerStatus{
		Name: c.Name, Image: c.Image, ImageID: fmt.Sprintf("%s@sha256:%x", repository(c.Image), img),
		ContainerID: fmt.Sprintf("sim://%x", id), Ready: true, Started: ptr(true),
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
	}
}

// repository is an image reference without its tag or digest.
func repository(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}

// setCondition replaces or appends c, keeping the transition time when the
// status did not change.
func setCondition(st *corev1.PodStatus, c corev1.PodCondition, now metav1.Time) {
	c.LastTransitionTime = now
	for i := range st.Conditions {
		if st.Conditions[i].Type == c.Type {
			if st.Conditions[i].Status == c.Status {
				c.LastTransitionTime = st.Conditions[i].LastTransitionTime
			}
			st.Conditions[i] = c
			return
		}
	}
	st.Conditions = append(st.Conditions, c)
}

// qosClass is the pod's QoS class as Kubernetes defines it: BestEffort
// without any cpu or memory request or limit, Guaranteed when every
// container limits both and requests equal limits, Burstable otherwise.
func qosClass(p *corev1.Pod) corev1.PodQOSClass {
	some, guaranteed := false, true
	all := append(append([]corev1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...)
	for _, c := range all {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[r]
			lim, hasLim := c.Resources.Limits[r]
			some = some || hasReq || hasLim
			if !hasLim || (hasReq && req.Cmp(lim) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !some:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

func ptr[T any](v T) *T { return &v }
