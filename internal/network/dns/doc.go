// Package dns is the cluster DNS server: it answers the Kubernetes DNS
// names (services, headless endpoints, SRV for named ports, ExternalName
// CNAMEs, PTRs and pod names) of one zone, by default cluster.local, from an
// in-memory index built from Service and EndpointSlice informers, and
// forwards every other name to upstream resolvers.
//
// The index is immutable once built: informer events only trigger a
// rebuild from the listers, and queries read the current index through an
// atomic pointer, so lookups take no lock. Lookup is a pure function of the
// index and the question; the Server is the socket and forwarding shell
// around it. EnsureService publishes the server as the kube-dns Service in
// kube-system, with an EndpointSlice of its own, so every node's service
// proxy sends the cluster's DNS traffic to it.
package dns
