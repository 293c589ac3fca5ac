// Package fake is an in-memory CRI runtime and image service for unit tests:
// sandboxes and containers move through the same states as in containerd,
// and tests drive exits, exec results and failures directly.
package fake
