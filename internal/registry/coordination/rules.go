package coordination

import (
	coordinationv1 "k8s.io/api/coordination/v1"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	return registry.RulesSet{
		coordinationv1.SchemeGroupVersion.WithKind("Lease"): leaseRules(),
	}
}
