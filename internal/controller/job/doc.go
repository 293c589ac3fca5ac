// Package job runs Jobs to completion as the Kubernetes job controller does:
// it creates pods up to parallelism (one per completion index in Indexed
// mode), tracks finished pods exactly through the
// batch.kubernetes.io/job-tracking finalizer and
// status.uncountedTerminatedPods, backs off exponentially after failures,
// applies backoffLimit, activeDeadlineSeconds, podFailurePolicy,
// successPolicy and suspend, and writes the SuccessCriteriaMet/Complete and
// FailureTarget/Failed conditions kubectl waits on.
package job
