package cgroups

import (
	"path"
	"strings"

	"github.com/bosun-dev/bosun/internal/agent/containerconfig"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Resources are pod-level cgroup settings; zero fields are left alone.
type Resources struct {
	CPUShares   int64 // cpu.shares (v1) / converted to cpu.weight (v2)
	CPUQuota    int64 // microseconds per CPUPeriod; 0 = unlimited
	CPUPeriod   int64 // microseconds
	MemoryLimit int64 // bytes; 0 = unlimited
}

// PodCgroupName is the pod's cgroup path relative to the hierarchy's root:
// <root>/burstable/pod<uid>, <root>/besteffort/pod<uid>, or <root>/pod<uid>
// for Guaranteed pods.
func PodCgroupName(root string, pod *v1.Pod) string {
	name := "pod" + string(pod.UID)
	switch containerconfig.QOSClass(pod) {
	case v1.PodQOSBurstable:
		return path.Join(root, "burstable", name)
	case v1.PodQOSBestEffort:
		return path.Join(root, "besteffort", name)
	}
	return path.Join(root, name)
}

// PodResources is the pod cgroup's config, as kubelet derives it: cpu.shares
// from the pod's cpu requests always; quota and memory limit only when every
// container declares that limit (else one unlimited container makes the pod
// unlimited); BestEffort pods get the minimum shares.
func PodResources(pod *v1.Pod) Resources {
	qos := containerconfig.QOSClass(pod)
	if qos == v1.PodQOSBestEffort {
		return Resources{CPUShares: containerconfig.MinShares}
	}
	cpuReq, _ := podAmount(pod, v1.ResourceCPU, true)
	cpuLim, cpuAll := podAmount(pod, v1.ResourceCPU, false)
	memLim, memAll := podAmount(pod, v1.ResourceMemory, false)
	r := Resources{CPUShares: containerconfig.MilliCPUToShares(cpuReq.MilliValue())}
	if cpuAll {
		r.CPUPeriod = containerconfig.QuotaPeriod
		r.CPUQuota = containerconfig.MilliCPUToQuota(cpuLim.MilliValue(), containerconfig.QuotaPeriod)
	}
	if memAll {
		r.MemoryLimit = memLim.Value()
	}
	return r
}

// podAmount is the pod's effective request or limit of name: pod-level
// resources when set, else the larger of the regular containers' sum and
// the largest init container (init containers run one at a time, before
// the others). all reports whether every container sets it.
func podAmount(pod *v1.Pod, name v1.ResourceName, requests bool) (resource.Quantity, bool) {
	pick := func(r v1.ResourceRequirements) (resource.Quantity, bool) {
		l := r.Limits
		if requests {
			l = r.Requests
		}
		q, ok := l[name]
		return q, ok && !q.IsZero()
	}
	if pod.Spec.Resources != nil {
		if q, ok := pick(*pod.Spec.Resources); ok {
			return q, true
		}
	}
	all := true
	var sum resource.Quantity
	for _, c := range pod.Spec.Containers {
		q, ok := pick(c.Resources)
		all = all && ok
		sum.Add(q)
	}
	for _, c := range pod.Spec.InitContainers {
		q, ok := pick(c.Resources)
		all = all && ok
		// Restartable (sidecar) init containers keep running beside the
		// regular ones, so they add up instead of competing.
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			sum.Add(q)
			continue
		}
		if q.Cmp(sum) > 0 {
			sum = q
		}
	}
	return sum, all
}

// sharesToWeight maps cgroup v1 cpu.shares [2, 262144] onto v2 cpu.weight
// [1, 10000], the conversion runc and kubelet use.
func sharesToWeight(shares int64) int64 {
	if shares == 0 {
		return 0
	}
	return 1 + ((shares-2)*9999)/262142
}

// clean makes a cgroup name absolute and slash-separated.
func clean(name string) string {
	return path.Clean("/" + strings.TrimSpace(name))
}
