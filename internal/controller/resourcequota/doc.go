// Package resourcequota keeps ResourceQuota status current, as the
// Kubernetes resource quota controller does: status.hard mirrors spec.hard
// and status.used counts what the namespace holds — objects by kind,
// compute resources of its non-terminal pods (within the quota's scopes)
// and storage of its claims. Enforcement at admission is the API server's.
package resourcequota
