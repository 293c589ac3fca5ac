// Package endpointslice keeps the EndpointSlices of every Service that has a
// selector: one endpoint per pod with its IPv4 address, node, zone and
// ready/serving/terminating conditions, at most 100 per slice, as the
// Kubernetes EndpointSlice controller does. Existing slices are updated in
// place and written only when they change, so proxies watching them see
// little churn.
package endpointslice
