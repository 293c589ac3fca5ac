// Package containerd runs the node agent's own containerd: it writes a
// config.toml (own root, state dir and sockets, CRI plugin set up for
// Bosun's sandbox image, CNI dirs and insecure local registries), starts
// the daemon in its own process group, waits until it answers CRI and
// restarts it with backoff when it dies. Containers outlive a restart
// because their shims do. Purge tears a node's runtime down completely.
package containerd
