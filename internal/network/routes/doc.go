// Package routes gives every node a route to each other node's pod CIDR via
// that node's InternalIP ("host-gw", as flannel and kube-router do it), so
// pods reach pods on other nodes with their own addresses and no overlay.
// It needs the nodes to share a link (L2 adjacency): the next hop must be on
// a directly connected subnet.
//
// The routes live in the main table of the network namespace the agent runs
// in and carry their own route protocol number (Proto, 0xb5), so the
// controller can list exactly the routes it made, remove those of nodes that
// are gone after a restart, and never touch anyone else's.
package routes
