// Package core owns the rules of the core ("v1") API group: defaulting,
// validation, `kubectl get` tables and field selectors for pods, services,
// config maps, secrets, namespaces, nodes and the other core kinds. It also
// exports the pod template defaulting and validation the workload groups
// (apps, batch) share.
package core
