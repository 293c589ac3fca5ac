// Package nodeipam is the node IPAM controller ("node-ipam-controller"):
// it gives every Node without spec.podCIDR the next free block of the
// cluster CIDR (spec.podCIDR and spec.podCIDRs, IPv4 only), frees a
// node's block when the node is deleted, and records CIDRNotAvailable on
// a node when the cluster CIDR is exhausted. The allocated set lives only
// in memory and is rebuilt from the nodes on start.
package nodeipam
