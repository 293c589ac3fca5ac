// Package agent is the node agent: it registers the Node, runs the pods the
// scheduler binds to it through CRI on a containerd it supervises, and serves
// their logs, exec, attach and port-forward to the API server.
//
// Run wires the parts together; each lives in its own package:
//
//	containerd   the supervised runtime (or --container-runtime-endpoint)
//	images       pulls, the pause image, imports
//	node         the Node object, its Lease and status
//	pods         one worker per pod: sandbox, containers, status
//	containerconfig, cgroups, volumes, probe   what a pod worker builds on
//	eviction     node-pressure eviction
//	staticpods   manifests from a directory, mirrored in the API
//	streaming    the HTTPS endpoint the API server proxies to
package agent
