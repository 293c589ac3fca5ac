package batch

import (
	batchv1 "k8s.io/api/batch/v1"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	gv := batchv1.SchemeGroupVersion
	return registry.RulesSet{
		gv.WithKind("Job"):     jobRules(),
		gv.WithKind("CronJob"): cronJobRules(),
	}
}
