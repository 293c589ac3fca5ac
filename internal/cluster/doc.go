// Package cluster runs local multi-node Bosun clusters on one machine: every
// node is a network namespace with an address on a bridge the cluster owns in
// the host namespace, running its own `bosun agent` (the control-plane node
// runs `bosun server`). It creates, stops, starts, partitions and deletes
// them, keeping what it made in a cluster.json under the state directory so
// any later command, or a delete after a half-finished create, finds it all.
package cluster
