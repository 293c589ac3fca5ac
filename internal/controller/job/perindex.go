package job

import (
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// Failure messages of backoffLimitPerIndex jobs, in Kubernetes' words.
const (
	msgMaxFailedIndexes = "Job has exceeded the specified maximal number of failed indexes"
	msgFailedIndexes    = "Job has failed indexes"
)

// perIndex reports an Indexed job that retries each index on its own.
func perIndex(job *batchv1.Job) bool {
	return indexed(job) && job.Spec.BackoffLimitPerIndex != nil
}

// failureCount reads how many times the pod's index had failed before it.
func failureCount(p *corev1.Pod) int {
	n, err := strconv.Atoi(p.Annotations[batchv1.JobIndexFailureCountAnnotation])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// indexFailures counts the failures so far of every index, for the
// annotation its next pod carries.
func indexFailures(pods []*corev1.Pod) map[int]int {
	out := map[int]int{}
	for _, p := range pods {
		if p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil {
			continue
		}
		if ix := podIndex(p); ix != noIndex {
			out[ix] = max(out[ix], failureCount(p)+1)
		}
	}
	return out
}

// markFailedIndexes records in status.failedIndexes the indexes whose pod
// just failed past backoffLimitPerIndex, or matched a FailIndex rule.
func markFailedIndexes(job *batchv1.Job, failed []*corev1.Pod) {
	set := parseIndexes(ptr.Deref(job.Status.FailedIndexes, ""))
	limit := int(*job.Spec.BackoffLimitPerIndex)
	for _, p := range failed {
		ix := podIndex(p)
		if ix == noIndex || ix >= int(completions(job)) {
			continue
		}
		v := matchFailurePolicy(job.Spec.PodFailurePolicy, p)
		if v.action == batchv1.PodFailurePolicyActionFailIndex || failureCount(p)+1 > limit {
			set[ix] = true
		}
	}
	job.Status.FailedIndexes = ptr.To(formatIndexes(set))
}

// indexFailure names the reason a per-index job must fail, if any: too
// many failed indexes, or every index finished with some failed.
func indexFailure(job *batchv1.Job) (string, string) {
	if !perIndex(job) {
		return "", ""
	}
	failed := len(parseIndexes(ptr.Deref(job.Status.FailedIndexes, "")))
	switch {
	case job.Spec.MaxFailedIndexes != nil && failed > int(*job.Spec.MaxFailedIndexes):
		return batchv1.JobReasonMaxFailedIndexesExceeded, msgMaxFailedIndexes
	case failed > 0 && failed+len(parseIndexes(job.Status.CompletedIndexes)) >= int(completions(job)):
		return batchv1.JobReasonFailedIndexes, msgFailedIndexes
	}
	return "", ""
}
