// Package pods owns the node agent's pod workers: one goroutine per pod that
// drives the container runtime (CRI) towards the pod's spec — sandbox, init
// containers, sidecars, app containers, restarts with back-off, hooks,
// graceful termination — and reports what it sees as the pod's status.
//
// Every sync reads the runtime's state afresh (sandboxes and containers
// labelled with the pod's UID), so a restarted agent adopts what is already
// running instead of starting it again. Decisions that are hard to get right
// (status, phase, conditions, back-off) are pure functions of their inputs
// and the time passed in.
package pods
