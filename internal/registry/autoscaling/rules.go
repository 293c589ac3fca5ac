package autoscaling

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	return registry.RulesSet{
		autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"): hpaRules(),
	}
}
