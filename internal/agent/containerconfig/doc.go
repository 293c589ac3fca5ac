// Package containerconfig turns a pod spec into the CRI configs the node
// agent hands to the container runtime: the sandbox config (hostname, DNS,
// ports, namespaces, cgroup parent) and one container config per container
// (command with $(VAR) expansion, environment, mounts, resources, security
// context), following kubelet's rules so workloads see the same environment
// they would on a Kubernetes node. Everything here is pure apart from reading
// the host's resolv.conf and hosts files and writing the per-pod hosts and
// termination-log files the mounts point at.
package containerconfig
