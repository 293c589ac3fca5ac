package policy

import (
	policyv1 "k8s.io/api/policy/v1"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	return registry.RulesSet{
		policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"): pdbRules(),
	}
}
