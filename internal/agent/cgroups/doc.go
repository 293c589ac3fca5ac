// Package cgroups keeps the node's pod cgroups on the cgroupfs driver:
// <root>/<qos>/pod<uid> (Guaranteed pods directly under the root) in every
// cgroup v1 hierarchy, or in the unified v2 tree, with pod-level cpu and
// memory limits set the way kubelet sets them. The runtime (runc) places the
// pod's containers below the directory EnsurePod returns. It also reads the
// host's capacity for the Node's status.
package cgroups
