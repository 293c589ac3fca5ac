// Package cni writes the node's pod network configuration for the
// container runtime's CNI plugins (bridge + host-local over the node's
// podCIDR, portmap for hostPorts; the runtime adds loopback itself) and
// turns on the kernel forwarding that pod traffic leaving the node needs.
package cni
