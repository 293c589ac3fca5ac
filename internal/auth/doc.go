// Package auth owns who a request is from and whether it may proceed:
// authenticators turn client certificates and bearer tokens into a User, and
// an Authorizer decides on a request's Attributes. Requests no authenticator
// recognises are rejected by the caller with 401; there is no anonymous user.
package auth
