// Package rbac holds the defaulting, validation and table rules of the
// rbac.authorization.k8s.io API group (Role, ClusterRole, RoleBinding,
// ClusterRoleBinding), matching kube-apiserver for rbac/v1.
package rbac
