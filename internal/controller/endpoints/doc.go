// Package endpoints keeps an Endpoints object beside every Service that has a
// selector, listing the IPs and resolved ports of the pods it selects, as the
// Kubernetes endpoint controller does. Services without a selector are left
// to whoever manages their Endpoints (the server writes the "kubernetes"
// Service's own).
package endpoints
