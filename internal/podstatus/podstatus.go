// Package podstatus reads what a pod's status says about it, the same way
// for every controller and the API server.
package podstatus

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Condition is the pod's condition of type t, or nil when it has none.
func Condition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// Ready says whether the pod's Ready condition is True.
func Ready(p *corev1.Pod) bool {
	c := Condition(p, corev1.PodReady)
	return c != nil && c.Status == corev1.ConditionTrue
}

// ReadyFor says whether the pod has been Ready for at least d at now: what
// workload controllers call available with d = minReadySeconds.
func ReadyFor(p *corev1.Pod, d time.Duration, now time.Time) bool {
	c := Condition(p, corev1.PodReady)
	return c != nil && c.Status == corev1.ConditionTrue && !c.LastTransitionTime.Add(d).After(now)
}
