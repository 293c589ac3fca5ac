package containerconfig

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// qosResources are the resources whose requests and limits decide a pod's
// QoS class; others (ephemeral-storage, extended) do not count.
var qosResources = []v1.ResourceName{v1.ResourceCPU, v1.ResourceMemory}

// QOSClass is the pod's QoS class: status.qosClass once the API server set
// it (it is immutable), else computed by Kubernetes' rules. Pod-level
// resources, when set, decide alone, as in Kubernetes.
func QOSClass(pod *v1.Pod) v1.PodQOSClass {
	if pod.Status.QOSClass != "" {
		return pod.Status.QOSClass
	}
	return ComputeQOSClass(pod)
}

// ComputeQOSClass ignores status.qosClass: BestEffort when no container
// requests or limits cpu or memory; Guaranteed when every container limits
// both and the summed requests equal the summed limits; else Burstable.
func ComputeQOSClass(pod *v1.Pod) v1.PodQOSClass {
	requests := v1.ResourceList{}
	limits := v1.ResourceList{}
	guaranteed := true
	add := func(r v1.ResourceRequirements) {
		for _, name := range qosResources {
			if q, ok := r.Requests[name]; ok && q.Sign() > 0 {
				sum := requests[name]
				sum.Add(q)
				requests[name] = sum
			}
		}
		found := 0
		for _, name := range qosResources {
			if q, ok := r.Limits[name]; ok && q.Sign() > 0 {
				found++
				sum := limits[name]
				sum.Add(q)
				limits[name] = sum
			}
		}
		if found != len(qosResources) {
			guaranteed = false
		}
	}
	if pod.Spec.Resources != nil && hasQOSResource(*pod.Spec.Resources) {
		add(*pod.Spec.Resources)
	} else {
		for i := range pod.Spec.InitContainers {
			add(pod.Spec.InitContainers[i].Resources)
		}
		for i := range pod.Spec.Containers {
			add(pod.Spec.Containers[i].Resources)
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return v1.PodQOSBestEffort
	}
	if guaranteed {
		for name, req := range requests {
			if lim, ok := limits[name]; !ok || lim.Cmp(req) != 0 {
				guaranteed = false
				break
			}
		}
	}
	if guaranteed && len(requests) == len(limits) {
		return v1.PodQOSGuaranteed
	}
	return v1.PodQOSBurstable
}

func hasQOSResource(r v1.ResourceRequirements) bool {
	for _, name := range qosResources {
		if positive(r.Requests, name) || positive(r.Limits, name) {
			return true
		}
	}
	return false
}

func positive(l v1.ResourceList, name v1.ResourceName) bool {
	q, ok := l[name]
	return ok && q.Sign() > 0
}

// quantity returns l[name] or zero.
func quantity(l v1.ResourceList, name v1.ResourceName) resource.Quantity {
	if q, ok := l[name]; ok {
		return q
	}
	return resource.Quantity{}
}
