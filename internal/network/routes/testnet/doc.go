// Package testnet builds throwaway network namespaces for the network
// tests and bench/podnet: running Go code inside one, and the smallest
// host-gw cluster, nodes on an underlay bridge, each with a pod bridge and
// one pod. Everything lives inside namespaces it created, so removing them
// removes every link, address, route and nftables table in them; nothing is
// made in the caller's namespace.
package testnet
