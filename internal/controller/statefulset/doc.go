// Package statefulset gives each StatefulSet replica a stable name
// (<set>-<ordinal>), hostname and PersistentVolumeClaims, creating pods in
// order (OrderedReady) or all at once (Parallel), removing them in reverse,
// and rolling them to new revisions from the highest ordinal down to the
// partition, as the Kubernetes statefulset controller does. Revisions are
// ControllerRevisions kept by the history package.
package statefulset
