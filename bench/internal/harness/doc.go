// Package harness is what the bench programs share: a `bosun server` child
// process on its own data dir and port, and a report of figures held to
// their targets.
package harness
