// Package history keeps the ControllerRevisions that record a StatefulSet's
// or DaemonSet's pod templates, in the form kubectl rollout history and
// rollout undo read: revision data is a strategic merge patch replacing
// spec.template, names are <parent>-<hash>, and a hash collision is broken
// by the parent's status.collisionCount.
package history
