package pods

import (
	"fmt"
	"strings"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ownedCondition reports the condition types the agent computes; the others
// (PodScheduled, DisruptionTarget, custom readiness gates) belong to others.
func ownedCondition(t v1.PodConditionType) bool {
	switch t {
	case v1.PodReadyToStartContainers, v1.PodInitialized, v1.ContainersReady, v1.PodReady:
		return true
	}
	return false
}

// podConditions computes the four agent-owned conditions, without times.
func podConditions(pod *v1.Pod, st *v1.PodStatus, rt *runtimePod) []v1.PodCondition {
	sandboxReady := v1.ConditionFalse
	if sb := rt.sandbox(); sb != nil && sb.Ready {
		sandboxReady = v1.ConditionTrue
	}
	conds := []v1.PodCondition{{Type: v1.PodReadyToStartContainers, Status: sandboxReady}}
	conds = append(conds, initializedCondition(pod, st))
	ready := containersReadyCondition(pod, st)
	conds = append(conds, ready, readyCondition(pod, st, ready))
	return conds
}

func initializedCondition(pod *v1.Pod, st *v1.PodStatus) v1.PodCondition {
	c := v1.PodCondition{Type: v1.PodInitialized, Status: v1.ConditionTrue}
	if st.Phase == v1.PodSucceeded && allKnown(pod.Spec.InitContainers, st.InitContainerStatuses) {
		c.Reason = reasonPodCompleted
		return c
	}
	if initStarted(st) {
		// App containers exist, so initialization finished once; kubelet
		// does not report it undone when an init container is gone.
		return c
	}
	var incomplete []string
	for i := range pod.Spec.InitContainers {
		spec := &pod.Spec.InitContainers[i]
		s := findStatus(st.InitContainerStatuses, spec.Name)
		switch {
		case s == nil:
			incomplete = append(incomplete, spec.Name)
		case isSidecar(spec):
			if s.Started == nil || !*s.Started {
				incomplete = append(incomplete, spec.Name)
			}
		case s.State.Terminated == nil || s.State.Terminated.ExitCode != 0:
			incomplete = append(incomplete, spec.Name)
		}
	}
	if len(incomplete) > 0 {
		c.Status, c.Reason = v1.ConditionFalse, "ContainersNotInitialized"
		c.Message = fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(incomplete, " "))
	}
	return c
}

// Reasons of the conditions of a pod in a terminal phase, as kubelet's.
const (
	reasonPodCompleted = "PodCompleted"
	reasonPodFailed    = "PodFailed"
)

// allKnown reports whether every container has a status.
func allKnown(specs []v1.Container, statuses []v1.ContainerStatus) bool {
	for _, spec := range specs {
		if findStatus(statuses, spec.Name) == nil {
			return false
		}
	}
	return true
}

// initStarted reports whether any app container was ever created.
func initStarted(st *v1.PodStatus) bool {
	for _, s := range st.ContainerStatuses {
		if s.ContainerID != "" || s.LastTerminationState.Terminated != nil {
			return true
		}
	}
	return false
}

func containersReadyCondition(pod *v1.Pod, st *v1.PodStatus) v1.PodCondition {
	c := v1.PodCondition{Type: v1.ContainersReady, Status: v1.ConditionTrue}
	// kubelet marks a finished pod unready with the phase as the reason,
	// whatever its containers last reported.
	switch {
	case st.Phase == v1.PodSucceeded && allKnown(pod.Spec.Containers, st.ContainerStatuses):
		c.Status, c.Reason = v1.ConditionFalse, reasonPodCompleted
		return c
	case st.Phase == v1.PodFailed:
		c.Status, c.Reason = v1.ConditionFalse, reasonPodFailed
		return c
	}
	var unready []string
	for i := range pod.Spec.InitContainers {
		if spec := &pod.Spec.InitContainers[i]; isSidecar(spec) {
			if s := findStatus(st.InitContainerStatuses, spec.Name); s == nil || !s.Ready {
				unready = append(unready, spec.Name)
			}
		}
	}
	for _, spec := range pod.Spec.Containers {
		if s := findStatus(st.ContainerStatuses, spec.Name); s == nil || !s.Ready {
			unready = append(unready, spec.Name)
		}
	}
	if len(unready) > 0 {
		c.Status, c.Reason = v1.ConditionFalse, "ContainersNotReady"
		c.Message = fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
	}
	return c
}

func readyCondition(pod *v1.Pod, st *v1.PodStatus, containersReady v1.PodCondition) v1.PodCondition {
	c := containersReady
	c.Type = v1.PodReady
	if c.Status != v1.ConditionTrue {
		return c
	}
	var msgs []string
	for _, g := range pod.Spec.ReadinessGates {
		var found *v1.PodCondition
		for i := range st.Conditions {
			if st.Conditions[i].Type == g.ConditionType {
				found = &st.Conditions[i]
			}
		}
		switch {
		case found == nil:
			msgs = append(msgs, fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", g.ConditionType))
		case found.Status != v1.ConditionTrue:
			msgs = append(msgs, fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but %v", g.ConditionType, found.Status))
		}
	}
	if len(msgs) > 0 {
		c.Status, c.Reason, c.Message = v1.ConditionFalse, "ReadinessGatesNotReady", strings.Join(msgs, ", ")
	}
	return c
}

// withTransition stamps c with now, or with its previous transition time when
// its status did not change.
func withTransition(c v1.PodCondition, old []v1.PodCondition, now metav1.Time) v1.PodCondition {
	c.LastTransitionTime = now
	for _, o := range old {
		if o.Type == c.Type && o.Status == c.Status {
			c.LastTransitionTime = o.LastTransitionTime
		}
	}
	return c
}
