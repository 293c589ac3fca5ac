// Package replicaset keeps the number of running pods of every ReplicaSet
// equal to its spec.replicas, as the Kubernetes ReplicaSet controller does:
// it owns pods through controller ownerReferences (adopting matching orphans
// and releasing pods whose labels stop matching), creates pods in slow-start
// batches, deletes the least valuable pods first when scaling down, and
// reports replicas, ready and available counts in status.
//
// Expectations remember the creates and deletes a sync issued until the pod
// informer has seen them, so a lagging cache never causes duplicate pods.
package replicaset
