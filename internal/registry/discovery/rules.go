package discovery

import (
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	return registry.RulesSet{
		discoveryv1.SchemeGroupVersion.WithKind("EndpointSlice"): endpointSliceRules(),
	}
}
