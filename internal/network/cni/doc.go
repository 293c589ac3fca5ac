// Package cni writes the node's pod network configuration for the
// container runtime's CNI plugins (bridge + host-local over the node's
// podCIDR, hairpin on so a pod reaches itself through a Service, portmap for
// hostPorts; the runtime adds loopback itself) and sets up what the node's
// network namespace needs around it: forwarding, bridged packets through
// netfilter, and one nftables rule masquerading pods' traffic that leaves
// the cluster.
package cni
