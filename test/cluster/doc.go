// Package cluster tests `bosun cluster` end to end: the real binary makes
// clusters of network-namespace nodes on this host, kubectl and client-go
// reach them from the host, and deleting one leaves nothing behind.
package cluster
