// Package images gets container images onto the node: it pulls them
// through CRI's ImageService as kubelet does (pull policy, per-pod back-off,
// image pull secrets, kubelet's events and waiting reasons), imports image
// tarballs into containerd for air-gapped nodes, and makes sure the
// project-built pause image is in the runtime before any sandbox starts.
package images
