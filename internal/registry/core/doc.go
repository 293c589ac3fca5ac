// Package core holds the rules of the core ("v1") API group: defaulting,
// validation, `kubectl get` tables and field selectors for pods, services,
// config maps, secrets, namespaces, nodes, events, endpoints, service
// accounts, persistent volumes and claims, resource quotas, limit ranges,
// pod templates and replication controllers, wording errors and tables as
// kube-apiserver does.
//
// It also exports what the workload groups (apps, batch) share about pod
// templates: DefaultPodSpec, ValidatePodTemplateSpec and ValidatePodSpec.
// What Kubernetes does in admission for every pod (default service
// account, not-ready/unreachable tolerations, priority) is done in the pod's
// PrepareForCreate, since the rules cannot look other objects up.
package core
