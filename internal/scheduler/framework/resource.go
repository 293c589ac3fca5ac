package framework

import (
	corev1 "k8s.io/api/core/v1"
)

// Defaults Kubernetes assumes for containers that request nothing, so that
// scoring still spreads best-effort pods instead of piling them on one node.
const (
	DefaultMilliCPURequest int64 = 100
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024
)

// Resource is an amount of each schedulable resource: cpu in millicores,
// memory and ephemeral storage in bytes, extended resources in their units.
type Resource struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	Scalar           map[corev1.ResourceName]int64
}

// NewResource reads a ResourceList (requests, allocatable or overhead).
func NewResource(rl corev1.ResourceList) Resource {
	var r Resource
	r.AddList(rl)
	return r
}

// AddList adds every quantity of rl.
func (r *Resource) AddList(rl corev1.ResourceList) {
	for name, q := range rl {
		switch name {
		case corev1.ResourceCPU:
			r.MilliCPU += q.MilliValue()
		case corev1.ResourceMemory:
			r.Memory += q.Value()
		case corev1.ResourceEphemeralStorage:
			r.EphemeralStorage += q.Value()
		case corev1.ResourcePods:
		default:
			if r.Scalar == nil {
				r.Scalar = map[corev1.ResourceName]int64{}
			}
			r.Scalar[name] += q.Value()
		}
	}
}

// Add adds o to r.
func (r *Resource) Add(o *Resource) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
	r.EphemeralStorage += o.EphemeralStorage
	for k, v := range o.Scalar {
		if r.Scalar == nil {
			r.Scalar = map[corev1.ResourceName]int64{}
		}
		r.Scalar[k] += v
	}
}

// Sub subtracts o from r.
func (r *Resource) Sub(o *Resource) {
	r.MilliCPU -= o.MilliCPU
	r.Memory -= o.Memory
	r.EphemeralStorage -= o.EphemeralStorage
	for k, v := range o.Scalar {
		if r.Scalar == nil {
			r.Scalar = map[corev1.ResourceName]int64{}
		}
		r.Scalar[k] -= v
	}
}

// max raises each amount of r to at least o's.
func (r *Resource) max(o *Resource) {
	r.MilliCPU = max(r.MilliCPU, o.MilliCPU)
	r.Memory = max(r.Memory, o.Memory)
	r.EphemeralStorage = max(r.EphemeralStorage, o.EphemeralStorage)
	for k, v := range o.Scalar {
		if r.Scalar == nil {
			r.Scalar = map[corev1.ResourceName]int64{}
		}
		r.Scalar[k] = max(r.Scalar[k], v)
	}
}

// Clone copies r, including its extended resources.
func (r Resource) Clone() Resource {
	if r.Scalar != nil {
		s := make(map[corev1.ResourceName]int64, len(r.Scalar))
		for k, v := range r.Scalar {
			s[k] = v
		}
		r.Scalar = s
	}
	return r
}

// PodRequests is what a pod occupies on its node, as the kubelet admits it:
// app containers and sidecars (restartable init containers) run together;
// each ordinary init container runs alone beside the sidecars started before
// it; the pod needs the larger of the two phases, plus its overhead.
func PodRequests(pod *corev1.Pod) Resource {
	var app Resource
	for i := range pod.Spec.Containers {
		app.AddList(pod.Spec.Containers[i].Resources.Requests)
	}
	var sidecars, initPeak Resource
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		own := NewResource(c.Resources.Requests)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			app.Add(&own)
			sidecars.Add(&own)
			initPeak.max(&sidecars)
			continue
		}
		own.Add(&sidecars)
		initPeak.max(&own)
	}
	app.max(&initPeak)
	if pod.Spec.Overhead != nil {
		app.AddList(pod.Spec.Overhead)
	}
	return app
}

// nonZeroRequests is the cpu and memory the scorers count for a pod: a
// container asking for nothing is counted at the defaults above.
func nonZeroRequests(pod *corev1.Pod) (milliCPU, memory int64) {
	for i := range pod.Spec.Containers {
		req := pod.Spec.Containers[i].Resources.Requests
		if q, ok := req[corev1.ResourceCPU]; ok && !q.IsZero() {
			milliCPU += q.MilliValue()
		} else {
			milliCPU += DefaultMilliCPURequest
		}
		if q, ok := req[corev1.ResourceMemory]; ok && !q.IsZero() {
			memory += q.Value()
		} else {
			memory += DefaultMemoryRequest
		}
	}
	if pod.Spec.Overhead != nil {
		milliCPU += pod.Spec.Overhead.Cpu().MilliValue()
		memory += pod.Spec.Overhead.Memory().Value()
	}
	return milliCPU, memory
}
