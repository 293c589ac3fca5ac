package scheduling

import (
	schedulingv1 "k8s.io/api/scheduling/v1"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	return registry.RulesSet{
		schedulingv1.SchemeGroupVersion.WithKind("PriorityClass"): priorityClassRules(),
	}
}
