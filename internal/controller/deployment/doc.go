// Package deployment rolls Deployments out through ReplicaSets, as the
// Kubernetes deployment controller does: one ReplicaSet per pod template
// (named and labelled by a hash of it), RollingUpdate within maxSurge and
// maxUnavailable or Recreate, proportional scaling mid-rollout, revision
// annotations that kubectl rollout history and undo read, pause and resume,
// history cleanup, and the Progressing and Available conditions kubectl
// rollout status waits on.
//
// The arithmetic of a rollout (rollout.go, proportion.go, progress.go) is
// pure: it reads API objects and a time and returns decisions, so it is
// table-tested; the rest only reads listers and writes the API.
package deployment
