// Package localpath is Bosun's built-in dynamic provisioner for node-local
// storage, in the manner of rancher's local-path-provisioner: claims of the
// "local-path" StorageClass (WaitForFirstConsumer) get a hostPath
// PersistentVolume under a base directory on the node their first pod was
// scheduled to, bound to them at once.
//
// The controller cannot reach node disks, so deleting a volume is shared:
// the controller gives each volume the CleanupFinalizer and deletes it
// when its claim goes (reclaim policy Delete); the node's agent, which
// watches volumes provisioned on it, removes the directory (Cleanup) and
// then the finalizer. A volume whose node never returns stays Terminating
// until an administrator removes the finalizer, rather than leak its data
// silently.
package localpath
