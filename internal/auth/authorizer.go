package auth

import "context"

// Attributes describe a request for authorization, as RBAC sees it.
type Attributes struct {
	User *User
	// Verb is the API verb (get, list, watch, create, update, patch, delete,
	// deletecollection, or a special verb such as impersonate) for resource
	// requests, and the lowercased HTTP method otherwise.
	Verb string
	// APIGroup, APIVersion, Resource, Subresource, Namespace and Name are set
	// for resource requests; APIGroup is "" for the core group.
	APIGroup, APIVersion, Resource, Subresource, Namespace, Name string
	// ResourceRequest is false for non-resource paths such as /healthz,
	// /version and discovery, where Path is what is authorized.
	ResourceRequest bool
	Path            string
}

// Authorizer decides whether a request may proceed. reason explains the
// decision for audit logs and 403 messages; err means no decision was made.
type Authorizer interface {
	Authorize(ctx context.Context, a Attributes) (allowed bool, reason string, err error)
}

// AlwaysAllow allows every request of an authenticated user.
type AlwaysAllow struct{}

// Authorize implements Authorizer.
func (AlwaysAllow) Authorize(context.Context, Attributes) (bool, string, error) {
	return true, "", nil
}
