package quota

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// explicit are the quota names that oblige every container to state the
// matching request or limit. Kubernetes keeps this rule for cpu and memory
// only, for backward compatibility; no other resource gets it.
var explicit = map[corev1.ResourceName]bool{
	corev1.ResourceCPU: true, corev1.ResourceMemory: true,
	corev1.ResourceRequestsCPU: true, corev1.ResourceRequestsMemory: true,
	corev1.ResourceLimitsCPU: true, corev1.ResourceLimitsMemory: true,
}

// Constraints checks that a pod states what a quota limiting names needs
// to measure it: each container (init containers too) must set the cpu and
// memory requests and limits the quota names. The error reads as
// Kubernetes': "must specify limits.cpu for: app; requests.memory for: app".
func Constraints(pod *corev1.Pod, names []corev1.ResourceName) error {
	var required []corev1.ResourceName
	for _, n := range names {
		if explicit[n] {
			required = append(required, n)
		}
	}
	if len(required) == 0 {
		return nil
	}
	missing := map[corev1.ResourceName][]string{}
	containers := append(append([]corev1.Container{}, pod.Spec.Containers...), pod.Spec.InitContainers...)
	for _, c := range containers {
		has := stated(c.Resources)
		if pod.Spec.Resources != nil {
			// Pod-level resources stand for every container's.
			for n := range stated(*pod.Spec.Resources) {
				has[n] = true
			}
		}
		for _, n := range required {
			if !has[n] && !slices.Contains(missing[n], c.Name) {
				missing[n] = append(missing[n], c.Name)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var parts []string
	for _, n := range required {
		if cs, ok := missing[n]; ok {
			slices.Sort(cs)
			parts = append(parts, fmt.Sprintf("%s for: %s", n, strings.Join(cs, ",")))
		}
	}
	slices.Sort(parts)
	return fmt.Errorf("must specify %s", strings.Join(parts, "; "))
}

// stated lists the quota names a container's requirements measure: a cpu
// request counts for "cpu" and "requests.cpu", a cpu limit for "limits.cpu".
func stated(r corev1.ResourceRequirements) map[corev1.ResourceName]bool {
	has := map[corev1.ResourceName]bool{}
	for _, n := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := r.Requests[n]; ok {
			has[n] = true
			has["requests."+n] = true
		}
		if _, ok := r.Limits[n]; ok {
			has["limits."+n] = true
		}
	}
	return has
}
