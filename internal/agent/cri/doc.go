// Package cri connects the node agent to a container runtime over the
// Container Runtime Interface (k8s.io/cri-api): the only way the agent starts,
// stops and inspects containers and images.
package cri
