// Package resourcequota keeps ResourceQuota status current, as the
// Kubernetes resource quota controller does: status.hard mirrors spec.hard
// and status.used counts what the namespace holds, measured by package
// quota. Enforcement at admission is the API server's; it increments
// status.used as it admits, and this controller corrects it.
package resourcequota
