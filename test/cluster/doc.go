// Package cluster tests `bosun cluster` end to end: the real binary makes
// clusters of network-namespace nodes on this host, kubectl and client-go
// reach them from the host, pods on different nodes reach each other,
// Services, cluster DNS and a stand-in outside network, and deleting a
// cluster leaves nothing behind.
package cluster
