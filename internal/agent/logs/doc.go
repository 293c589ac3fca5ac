// Package logs reads container log files in the CRI format containerd writes
// ("<RFC3339Nano time> <stdout|stderr> <P|F> <content>") and renders them as
// `kubectl logs` expects: tail, since, timestamps, byte limit and follow.
package logs
