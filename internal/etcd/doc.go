// Package etcd gives the server its etcd client: either an etcd member
// embedded in the server process, storing its data in the server's data dir,
// or a connection to an external etcd cluster.
package etcd
