// Package streaming is the node agent's HTTPS API on the kubelet's paths
// (/containerLogs, /exec, /attach, /portForward, /pods, /healthz), so the API
// server proxies pods/log, pods/exec, pods/attach, pods/portforward and
// nodes/proxy to an agent exactly as kube-apiserver does to a kubelet.
//
// Exec and attach accept kubectl's WebSocket (v5/v4.channel.k8s.io) and
// SPDY (v4..v2.channel.k8s.io) protocols and pipe the streams to the
// container runtime's own streaming server (the URL CRI Exec and Attach
// return) over SPDY. Port-forward hands the SPDY session, or SPDY tunnelled
// in a WebSocket, to the runtime's port-forward URL byte for byte.
package streaming
