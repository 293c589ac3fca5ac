package job

import (
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// policyVerdict is what podFailurePolicy says about one failed pod.
type policyVerdict struct {
	action  batchv1.PodFailurePolicyAction
	message string // set for FailJob, in Kubernetes' words
}

// matchFailurePolicy applies the first matching rule of the job's
// podFailurePolicy to a failed pod. Without a policy or a match, the
// failure counts against backoffLimit.
func matchFailurePolicy(policy *batchv1.PodFailurePolicy, pod *corev1.Pod) policyVerdict {
	count := policyVerdict{action: batchv1.PodFailurePolicyActionCount}
	if policy == nil {
		return count
	}
	for i, rule := range policy.Rules {
		if rule.OnExitCodes != nil {
			if name, code, ok := matchExitCodes(rule.OnExitCodes, pod); ok {
				return policyVerdict{action: rule.Action, message: fmt.Sprintf(
					"Container %s for pod %s/%s failed with exit code %d matching %s rule at index %d",
					name, pod.Namespace, pod.Name, code, rule.Action, i)}
			}
		}
		for _, pattern := range rule.OnPodConditions {
			want := pattern.Status
			if want == "" {
				want = corev1.ConditionTrue
			}
			for _, c := range pod.Status.Conditions {
				if c.Type == pattern.Type && c.Status == want {
					return policyVerdict{action: rule.Action, message: fmt.Sprintf(
						"Pod %s/%s has condition %s matching %s rule at index %d",
						pod.Namespace, pod.Name, c.Type, rule.Action, i)}
				}
			}
		}
	}
	return count
}

// matchExitCodes finds a terminated container whose non-zero exit code
// satisfies the requirement; success (0) never matches, as in Kubernetes.
func matchExitCodes(req *batchv1.PodFailurePolicyOnExitCodesRequirement, pod *corev1.Pod) (string, int32, bool) {
	statuses := append(slices.Clone(pod.Status.InitContainerStatuses), pod.Status.ContainerStatuses...)
	for _, cs := range statuses {
		if req.ContainerName != nil && *req.ContainerName != cs.Name {
			continue
		}
		t := cs.State.Terminated
		if t == nil || t.ExitCode == 0 {
			continue
		}
		in := slices.Contains(req.Values, t.ExitCode)
		if (req.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn) == in {
			return cs.Name, t.ExitCode, true
		}
	}
	return "", 0, false
}
