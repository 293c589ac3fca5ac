package job

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
)

// matchSuccessPolicy reports the first successPolicy rule an Indexed job's
// completed indexes satisfy, in Kubernetes' words for the condition.
func matchSuccessPolicy(job *batchv1.Job) (string, bool) {
	policy := job.Spec.SuccessPolicy
	if policy == nil || !indexed(job) {
		return "", false
	}
	done := parseIndexes(job.Status.CompletedIndexes)
	if len(done) == 0 {
		return "", false
	}
	n := int(completions(job))
	for i, rule := range policy.Rules {
		if rule.SucceededIndexes == nil {
			if rule.SucceededCount != nil && len(done) >= int(*rule.SucceededCount) {
				return fmt.Sprintf("Matched rules at index %d", i), true
			}
			continue
		}
		required := parseIndexes(*rule.SucceededIndexes)
		hit, total := 0, 0
		for ix := range required {
			if ix >= n {
				continue
			}
			total++
			if done[ix] {
				hit++
			}
		}
		if total == 0 {
			continue
		}
		if (rule.SucceededCount != nil && hit >= int(*rule.SucceededCount)) || (rule.SucceededCount == nil && hit == total) {
			return fmt.Sprintf("Matched rules at index %d", i), true
		}
	}
	return "", false
}
