package proxy

import (
	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// TableName is the nftables table (family ip) the proxy owns.
const TableName = "bosun-proxy"

// State is one node's view of the cluster's services: everything the
// ruleset is a function of.
type State struct {
	// NodeName selects the endpoints that count as local for
	// externalTrafficPolicy and internalTrafficPolicy Local.
	NodeName string
	// ClusterCIDR is the pod range (e.g. 10.244.0.0/16). ClusterIP
	// traffic from outside it is masqueraded; empty masquerades none.
	ClusterCIDR string
	Services    []*v1.Service
	// EndpointSlices are matched to services by the
	// kubernetes.io/service-name label, selector or not.
	EndpointSlices []*discoveryv1.EndpointSlice
}
