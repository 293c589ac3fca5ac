package eviction

import (
	"cmp"
	"slices"

	v1 "k8s.io/api/core/v1"
)

// systemCriticalPriority is the priority from which pods are critical
// (system-cluster-critical and system-node-critical), as kubelet's.
const systemCriticalPriority = 2000000000

// Critical pods are never evicted for node pressure: static and mirror
// pods, and pods of system-critical priority, as kubelet decides.
func Critical(pod *v1.Pod) bool {
	if src, ok := pod.Annotations["kubernetes.io/config.source"]; ok && src != "api" {
		return true
	}
	if _, ok := pod.Annotations[v1.MirrorPodAnnotationKey]; ok {
		return true
	}
	return pod.Spec.Priority != nil && *pod.Spec.Priority >= systemCriticalPriority
}

// Usage reports a pod's current use of the signal's resource; ok false
// when unknown.
type Usage func(pod *v1.Pod) (used int64, ok bool)

// candidate is a pod with what ranking needs, computed once.
type candidate struct {
	pod      *v1.Pod
	exceeds  bool
	priority int32
	over     int64
	qos      int
}

// qosRank puts BestEffort first and Guaranteed last, the tie-breaker when
// usage is unknown.
var qosRank = map[v1.PodQOSClass]int{v1.PodQOSBestEffort: 0, v1.PodQOSBurstable: 1, v1.PodQOSGuaranteed: 2}

// Rank orders the non-critical pods for eviction over sig, first to go
// first, as kubelet: for memory and disk, pods using more than they
// request, then lower priority, then the larger use over the request; for
// PIDs by priority alone. Without a usage reading, a pod with no request
// for the resource counts as exceeding it (it uses something), and QoS
// class breaks ties, BestEffort first.
func Rank(pods []*v1.Pod, sig Signal, usage Usage) []*v1.Pod {
	res := signalResource[sig]
	var cs []candidate
	for _, p := range pods {
		if Critical(p) {
			continue
		}
		c := candidate{pod: p, qos: qosRank[p.Status.QOSClass]}
		if p.Spec.Priority != nil {
			c.priority = *p.Spec.Priority
		}
		if sig != PIDAvailable {
			req := podRequest(p, res)
			used, known := int64(0), false
			if usage != nil {
				used, known = usage(p)
			}
			if known {
				c.exceeds, c.over = used > req, used-req
			} else {
				c.exceeds = req == 0
			}
		}
		cs = append(cs, c)
	}
	slices.SortStableFunc(cs, func(a, b candidate) int {
		if a.exceeds != b.exceeds {
			if a.exceeds {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.priority, b.priority), cmp.Compare(b.over, a.over), cmp.Compare(a.qos, b.qos))
	})
	out := make([]*v1.Pod, len(cs))
	for i, c := range cs {
		out[i] = c.pod
	}
	return out
}

// podRequest is what the pod requests of res: its containers' sum, or its
// largest init container if that is more, as the scheduler counts it.
func podRequest(p *v1.Pod, res v1.ResourceName) int64 {
	var sum, initMax int64
	for _, c := range p.Spec.Containers {
		if q, ok := c.Resources.Requests[res]; ok {
			sum += q.Value()
		}
	}
	for _, c := range p.Spec.InitContainers {
		if q, ok := c.Resources.Requests[res]; ok {
			initMax = max(initMax, q.Value())
		}
	}
	return max(sum, initMax)
}
