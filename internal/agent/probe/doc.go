// Package probe runs containers' startup, liveness and readiness probes the
// way kubelet does: one worker per running container and probe kind, on the
// probe's period after its initial delay, turning consecutive results into
// a state once they reach the success or failure threshold. Liveness and
// readiness wait for the startup probe. The pod worker reads the states
// (Ready, Started, LivenessFailed) when it computes status or decides to
// restart a container; onChange tells it when one flipped. The probers
// themselves (exec over CRI, HTTP GET, TCP connect, gRPC health) are plain
// functions with a timeout.
package probe
