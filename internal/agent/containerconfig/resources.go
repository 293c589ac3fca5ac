package containerconfig

import (
	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CFS and cpu.shares constants as the Linux scheduler and kubelet use them.
const (
	MinShares     = 2
	MaxShares     = 262144
	SharesPerCPU  = 1024
	QuotaPeriod   = 100000 // microseconds
	MinQuotaUsecs = 1000

	guaranteedOOMScoreAdj = -997
	bestEffortOOMScoreAdj = 1000
)

// MilliCPUToShares converts a cpu request to cpu.shares, at least MinShares
// so a container without a request still gets a slice.
func MilliCPUToShares(milliCPU int64) int64 {
	if milliCPU == 0 {
		return MinShares
	}
	shares := milliCPU * SharesPerCPU / 1000
	switch {
	case shares < MinShares:
		return MinShares
	case shares > MaxShares:
		return MaxShares
	}
	return shares
}

// MilliCPUToQuota converts a cpu limit to a CFS quota for period; 0 (no
// limit) stays 0, and tiny limits get the kernel's minimum quota.
func MilliCPUToQuota(milliCPU, period int64) int64 {
	if milliCPU == 0 {
		return 0
	}
	quota := milliCPU * period / 1000
	if quota < MinQuotaUsecs {
		return MinQuotaUsecs
	}
	return quota
}

// OOMScoreAdj ranks containers for the kernel's OOM killer by QoS as kubelet
// does: Guaranteed last, BestEffort first, Burstable by the share of node
// memory requested, kept strictly between the two.
func OOMScoreAdj(qos v1.PodQOSClass, c *v1.Container, memoryCapacity int64) int64 {
	switch qos {
	case v1.PodQOSGuaranteed:
		return guaranteedOOMScoreAdj
	case v1.PodQOSBestEffort:
		return bestEffortOOMScoreAdj
	}
	if memoryCapacity <= 0 {
		return bestEffortOOMScoreAdj - 1
	}
	req := c.Resources.Requests.Memory().Value()
	adj := 1000 - (1000*req)/memoryCapacity
	if adj < 1000+guaranteedOOMScoreAdj {
		return 1000 + guaranteedOOMScoreAdj
	}
	if adj == bestEffortOOMScoreAdj {
		return adj - 1
	}
	return adj
}

// linuxResources is the container's cgroup settings from its requests and
// limits.
func linuxResources(c *v1.Container, qos v1.PodQOSClass, memoryCapacity int64) *runtimeapi.LinuxContainerResources {
	cpuReq := c.Resources.Requests.Cpu()
	cpuLim := c.Resources.Limits.Cpu()
	r := &runtimeapi.LinuxContainerResources{
		CpuPeriod:          QuotaPeriod,
		CpuQuota:           MilliCPUToQuota(cpuLim.MilliValue(), QuotaPeriod),
		MemoryLimitInBytes: c.Resources.Limits.Memory().Value(),
		OomScoreAdj:        OOMScoreAdj(qos, c, memoryCapacity),
	}
	// A limit without a request means request = limit; the API server
	// defaults that for new pods, older objects may still lack it.
	if cpuReq.IsZero() && !cpuLim.IsZero() {
		r.CpuShares = MilliCPUToShares(cpuLim.MilliValue())
	} else {
		r.CpuShares = MilliCPUToShares(cpuReq.MilliValue())
	}
	return r
}
