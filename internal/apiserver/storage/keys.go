package storage

import "path"

// Root is the prefix of every key Bosun writes, as in Kubernetes.
const Root = "/registry/"

// Prefix returns the key prefix of a resource ("/registry/apps/deployments/"),
// or of one namespace of it when namespace is not empty. Core resources have
// no group segment, as in Kubernetes ("/registry/pods/").
func Prefix(group, resource, namespace string) string {
	p := Root + path.Join(group, resource) + "/"
	if namespace != "" {
		p += namespace + "/"
	}
	return p
}

// Key returns the key of one object.
func Key(group, resource, namespace, name string) string {
	return Prefix(group, resource, namespace) + name
}
