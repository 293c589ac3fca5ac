package quota

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// PodCounts says whether a pod still holds quota: not finished, and not
// past the end of its deletion grace period.
func PodCounts(pod *corev1.Pod, now time.Time) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if pod.DeletionTimestamp != nil && pod.DeletionGracePeriodSeconds != nil {
		grace := time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
		if now.After(pod.DeletionTimestamp.Add(grace)) {
			return false
		}
	}
	return true
}

// podResource is a pod's effective request or limit of one resource:
// regular containers and sidecars run together, each init container runs
// beside the sidecars started before it, and the larger of the two counts.
// Pod-level resources, when set, win; overhead is added on top.
func podResource(pod *corev1.Pod, name corev1.ResourceName, limits bool) resource.Quantity {
	pick := func(r corev1.ResourceRequirements) (resource.Quantity, bool) {
		l := r.Requests
		if limits {
			l = r.Limits
		}
		q, ok := l[name]
		return q, ok
	}
	if pod.Spec.Resources != nil {
		if q, ok := pick(*pod.Spec.Resources); ok {
			return addOverhead(q, pod, name)
		}
	}
	var sum, sidecars, init resource.Quantity
	for _, c := range pod.Spec.Containers {
		if q, ok := pick(c.Resources); ok {
			sum.Add(q)
		}
	}
	for _, c := range pod.Spec.InitContainers {
		q, _ := pick(c.Resources)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sum.Add(q)
			sidecars.Add(q)
			continue
		}
		step := sidecars.DeepCopy()
		step.Add(q)
		if step.Cmp(init) > 0 {
			init = step
		}
	}
	if init.Cmp(sum) > 0 {
		sum = init
	}
	return addOverhead(sum, pod, name)
}

func addOverhead(q resource.Quantity, pod *corev1.Pod, name corev1.ResourceName) resource.Quantity {
	if o, ok := pod.Spec.Overhead[name]; ok {
		q.Add(o)
	}
	return q
}

// podUsage is one pod's contribution to a quota resource name, and whether
// pods contribute to that name at all.
func podUsage(pod *corev1.Pod, name corev1.ResourceName) (resource.Quantity, bool) {
	switch {
	case name == corev1.ResourcePods || name == "count/pods":
		return *resource.NewQuantity(1, resource.DecimalSI), true
	case name == corev1.ResourceCPU || name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage:
		return podResource(pod, name, false), true
	case strings.HasPrefix(string(name), "requests."):
		if name == corev1.ResourceRequestsStorage {
			return resource.Quantity{}, false
		}
		return podResource(pod, corev1.ResourceName(strings.TrimPrefix(string(name), "requests.")), false), true
	case strings.HasPrefix(string(name), "limits."):
		return podResource(pod, corev1.ResourceName(strings.TrimPrefix(string(name), "limits.")), true), true
	}
	return resource.Quantity{}, false
}

// bestEffort is the BestEffort QoS class: no container sets any cpu or
// memory request or limit.
func bestEffort(pod *corev1.Pod) bool {
	containers := append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, c := range containers {
		for _, l := range []corev1.ResourceList{c.Resources.Requests, c.Resources.Limits} {
			if _, ok := l[corev1.ResourceCPU]; ok {
				return false
			}
			if _, ok := l[corev1.ResourceMemory]; ok {
				return false
			}
		}
	}
	return true
}

func crossNamespaceAffinity(pod *corev1.Pod) bool {
	a := pod.Spec.Affinity
	if a == nil {
		return false
	}
	var terms []corev1.PodAffinityTerm
	if a.PodAffinity != nil {
		terms = append(terms, a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
	}
	if a.PodAntiAffinity != nil {
		terms = append(terms, a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
	}
	for _, t := range terms {
		if len(t.Namespaces) > 0 || t.NamespaceSelector != nil {
			return true
		}
	}
	return false
}

// Scopes are a quota's scope requirements: spec.scopes (all Exists) and
// spec.scopeSelector's expressions.
func Scopes(q *corev1.ResourceQuota) []corev1.ScopedResourceSelectorRequirement {
	var out []corev1.ScopedResourceSelectorRequirement
	for _, s := range q.Spec.Scopes {
		out = append(out, corev1.ScopedResourceSelectorRequirement{ScopeName: s, Operator: corev1.ScopeSelectorOpExists})
	}
	if q.Spec.ScopeSelector != nil {
		out = append(out, q.Spec.ScopeSelector.MatchExpressions...)
	}
	return out
}

// PodMatches reports whether a pod falls within every scope requirement.
func PodMatches(pod *corev1.Pod, reqs []corev1.ScopedResourceSelectorRequirement) bool {
	for _, r := range reqs {
		if !podMatchesScope(pod, r) {
			return false
		}
	}
	return true
}

func podMatchesScope(pod *corev1.Pod, r corev1.ScopedResourceSelectorRequirement) bool {
	switch r.ScopeName {
	case corev1.ResourceQuotaScopeTerminating:
		return pod.Spec.ActiveDeadlineSeconds != nil && *pod.Spec.ActiveDeadlineSeconds >= 0
	case corev1.ResourceQuotaScopeNotTerminating:
		return pod.Spec.ActiveDeadlineSeconds == nil
	case corev1.ResourceQuotaScopeBestEffort:
		return bestEffort(pod)
	case corev1.ResourceQuotaScopeNotBestEffort:
		return !bestEffort(pod)
	case corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
		return crossNamespaceAffinity(pod)
	case corev1.ResourceQuotaScopePriorityClass:
		return matchValue(pod.Spec.PriorityClassName, r)
	}
	return false
}

// matchValue evaluates a scope selector expression as Kubernetes does, as
// a label selector over {scopeName: value}: the key is always present, so
// Exists matches every pod and an unset priority class is the value "".
func matchValue(v string, r corev1.ScopedResourceSelectorRequirement) bool {
	in := false
	for _, x := range r.Values {
		if x == v {
			in = true
		}
	}
	switch r.Operator {
	case corev1.ScopeSelectorOpIn:
		return in
	case corev1.ScopeSelectorOpNotIn:
		return !in
	case corev1.ScopeSelectorOpExists:
		return true
	}
	return false
}
