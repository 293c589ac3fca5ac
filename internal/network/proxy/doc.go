// Package proxy is the node's service proxy: it turns Services and
// EndpointSlices into one nftables table (ip bosun-proxy) with kube-proxy's
// nftables-mode semantics — ClusterIP, NodePort, external IPs, session
// affinity, traffic policies, masquerading and rejecting services without
// endpoints — and keeps that table in sync with the API.
//
// The rule generation is pure (State in, nft script out: Render for a whole
// table, RenderDiff for an incremental transaction); the Proxier is the thin
// shell that watches informers and hands scripts to nft.
package proxy
