// Package staticpods runs static pods: pod manifests (YAML or JSON, one pod
// per file) in a directory on the node (--pod-manifest-path). Each becomes a
// pod named <name>-<node> bound to this node, with kubelet's config
// annotations, and the Source keeps one mirror pod per manifest in the API
// server: created when missing or deleted, replaced when the manifest
// changes, deleted when the manifest goes. Unreadable manifests are logged
// and skipped.
//
// Simplification: kubelet runs static pods itself, even with no API server,
// and only mirrors them into the API. Here the mirror pod is the pod: the
// agent runs it through the normal API path like any pod bound to its node,
// so static pods need the API server to start.
package staticpods
