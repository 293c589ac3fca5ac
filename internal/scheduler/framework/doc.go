// Package framework is the scheduler's deterministic core: the node-info
// snapshot, the feasibility filters (each answering "can this node run the
// pod?" with a Kubernetes reason string when it cannot), the scorers, the
// algorithm that filters in parallel and picks the best node, the
// FailedScheduling message and the choice of preemption victims. It does no
// I/O and reads no clock, so every decision replays exactly in tests and
// benchmarks.
package framework
