// Package disruption keeps PodDisruptionBudget status current, as the
// Kubernetes disruption controller does: how many selected pods are healthy,
// how many must stay healthy, how many may be disrupted now, and which
// evicted pods are still expected to go. The API server's eviction
// subresource reads that status to allow or refuse evictions.
package disruption
