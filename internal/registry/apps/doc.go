// Package apps holds the defaulting, validation and table rules of the apps
// API group (Deployment, ReplicaSet, StatefulSet, DaemonSet,
// ControllerRevision), matching what kube-apiserver does for apps/v1.
//
// It also owns helpers other workload groups reuse: the pod-template selector
// checks, int-or-percent validation and the CONTAINERS/IMAGES table cells.
package apps
