// Package volumes owns a pod's volumes on the node: it makes the directory
// each volume lives in under <PodsDir>/<uid>/volumes/<kubernetes.io~kind>/<name>
// (emptyDir, configMap, secret, downwardAPI, projected), checks and returns
// host paths (hostPath, persistentVolumeClaim), keeps the API-backed
// volumes current while the pod runs (ConfigMap and Secret changes, bound
// service account tokens refreshed at 80% of their lifetime) and tears it
// all down, tmpfs mounts included, when the pod is gone.
//
// API-backed volumes are written the way kubelet writes them, so programs
// that watch their files behave the same: the files live in a timestamped
// directory, the "..data" symlink to it is swapped with one rename, and the
// user-visible names are symlinks through "..data".
//
// Setup errors use kubelet's wording so the pod worker can record them as
// FailedMount events unchanged.
package volumes
