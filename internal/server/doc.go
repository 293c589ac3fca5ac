// Package server composes the control plane of `bosun server`: certificates,
// etcd (embedded or external), storage, the API server, bootstrap objects
// and the in-process controllers, behind Run(ctx, Config).
package server
