// Package eviction is the agent's node-pressure eviction, after kubelet's
// with hard thresholds only: every interval it reads free memory, free space
// and inodes of the data dir's filesystem (node and image filesystem, with
// the containerd root under it) and free PIDs, reports the MemoryPressure,
// DiskPressure and PIDPressure conditions, and while a threshold is met
// evicts one pod, ranked as kubelet ranks them, through the pod worker.
//
// Simplifications: memory.available is MemAvailable from /proc/meminfo
// rather than kubelet's cgroup working set; no soft thresholds, grace
// periods or minimum reclaim; disk pressure reclaims no images before
// evicting. Signals, thresholds and ranking are pure and table-tested.
package eviction
