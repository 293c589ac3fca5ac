// Command podnet measures the pod network's data path (issue 6): single
// stream TCP throughput from a pod to a pod on another node, through the
// real host-gw topology (pod netns → veth → node's pod bridge → node netns
// → underlay bridge → other node's netns → bridge → pod netns) with
// forwarding, bridge netfilter and the masquerade table of package cni on
// and the routes the routes controller programs; and, interleaved with it
// in the same run, the baseline of a plain veth pair between two network
// namespaces. It prints both in Gbit/s and holds their ratio to the target:
// pod to pod within 10% of the veth pair.
//
// Everything lives in network namespaces the bench creates ("bp-<hex>-*"),
// and they are deleted at exit, on error and on interrupt. The throughput
// tool is the bench itself: sockets are opened on threads inside the
// namespaces and keep them. It needs root; run it with `make bench`.
package main
