// Package node keeps this agent's Node object as kubelet does: it registers
// the Node (or adopts an existing one), renews its Lease in kube-node-lease,
// and posts its status — addresses, system info, capacity and allocatable,
// images, and the Ready and pressure conditions — recording kubelet's Node
// events on every condition transition.
//
// The status computation is pure (conditions.go, resources.go, images.go);
// Node is the I/O shell around it that reads the host, the container runtime
// and the API server.
package node
