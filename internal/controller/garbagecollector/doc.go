// Package garbagecollector deletes objects whose owners are gone and carries
// out foreground and orphan deletion, as the Kubernetes garbage collector
// does. It watches every listable, watchable and deletable resource
// (custom resources included) with metadata-only informers, keeps an
// ownership graph keyed by UID, and acts through the metadata client only
// after a live read confirms what the graph suggests, because informers lag.
//
// The graph (graph.go) and the per-object decisions (decide.go) are pure;
// the controller around them does the discovery, watching and API calls.
package garbagecollector
