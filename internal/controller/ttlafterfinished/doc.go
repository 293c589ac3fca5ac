// Package ttlafterfinished deletes finished Jobs once their
// spec.ttlSecondsAfterFinished has passed since they completed or failed,
// as the Kubernetes ttl-after-finished controller does.
package ttlafterfinished
