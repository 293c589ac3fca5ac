package batch

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry/core"
)

// Limits Kubernetes puts on indexed jobs so the controller's per-index
// bookkeeping stays bounded.
const (
	maxParallelismForIndexedJob            = 100000
	maxFailedIndexesForIndexedJob          = 100000
	maxCompletionsWithBackoffLimitPerIndex = 100000
	maxManagedByLength                     = 63
)

// validateJob checks a job as created or updated. prefixedLabels says whether
// the generated selector must use the batch.kubernetes.io/ labels (jobs
// created before they existed only carry the legacy ones).
func validateJob(j *batchv1.Job, prefixedLabels bool) field.ErrorList {
	errs := validateGeneratedSelector(j, prefixedLabels)
	errs = append(errs, validateJobSpec(&j.Spec, field.NewPath("spec"))...)
	if isIndexed(&j.Spec) && j.Spec.Completions != nil && *j.Spec.Completions > 0 {
		// Indexed pods are named "<job>-<index>" and that becomes a hostname.
		host := fmt.Sprintf("%s-%d", j.Name, *j.Spec.Completions-1)
		if len(validation.IsDNS1123Label(host)) > 0 {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), j.Name,
				"will not able to create pod with invalid DNS label: "+host))
		}
	}
	return errs
}

// validateGeneratedSelector checks that selector generation worked: the
// template carries the job's uid and name, and the selector picks the uid.
func validateGeneratedSelector(j *batchv1.Job, prefixedLabels bool) field.ErrorList {
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector {
		return nil
	}
	var errs field.ErrorList
	if j.UID == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "uid"), ""))
	}
	mPath := field.NewPath("spec", "template", "metadata")
	errs = append(errs, hasLabel(&j.Spec.Template.ObjectMeta, mPath, legacyControllerUIDLabel, string(j.UID))...)
	errs = append(errs, hasLabel(&j.Spec.Template.ObjectMeta, mPath, legacyJobNameLabel, j.Name)...)
	expected := labels.Set{legacyControllerUIDLabel: string(j.UID)}
	if prefixedLabels {
		errs = append(errs, hasLabel(&j.Spec.Template.ObjectMeta, mPath, batchv1.ControllerUidLabel, string(j.UID))...)
		errs = append(errs, hasLabel(&j.Spec.Template.ObjectMeta, mPath, batchv1.JobNameLabel, j.Name)...)
		expected = labels.Set{batchv1.ControllerUidLabel: string(j.UID)}
	}
	if j.Spec.Selector == nil {
		return errs // reported by validateJobSpec
	}
	sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector)
	if err != nil {
		return errs
	}
	if !sel.Matches(expected) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "selector"), j.Spec.Selector, "`selector` not auto-generated"))
	}
	return errs
}

func hasLabel(m *metav1.ObjectMeta, fldPath *field.Path, key, want string) field.ErrorList {
	got, ok := m.Labels[key]
	if !ok {
		return field.ErrorList{field.Required(fldPath.Child("labels").Key(key), fmt.Sprintf("must be '%s'", want))}
	}
	if got != want {
		return field.ErrorList{field.Invalid(fldPath.Child("labels").Key(key), m.Labels, fmt.Sprintf("must be '%s'", want))}
	}
	return nil
}

// validateJobSpec checks a job's spec including its selector.
func validateJobSpec(spec *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	errs := validateJobSpecBody(spec, fldPath)
	if spec.Selector == nil {
		errs = append(errs, field.Required(fldPath.Child("selector"), ""))
	} else {
		errs = append(errs, metavalidation.ValidateLabelSelector(spec.Selector, metavalidation.LabelSelectorValidationOptions{}, fldPath.Child("selector"))...)
	}
	// Generated or manual, the selector must match the pods the job makes.
	if sel, err := metav1.LabelSelectorAsSelector(spec.Selector); err == nil && !sel.Matches(labels.Set(spec.Template.Labels)) {
		errs = append(errs, field.Invalid(fldPath.Child("template", "metadata", "labels"), spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	return errs
}

// validateJobSpecBody checks everything but the selector, which a CronJob's
// job template must leave unset.
func validateJobSpecBody(spec *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct {
		name string
		v    *int32
	}{
		{"parallelism", spec.Parallelism},
		{"completions", spec.Completions},
		{"backoffLimit", spec.BackoffLimit},
		{"ttlSecondsAfterFinished", spec.TTLSecondsAfterFinished},
		{"backoffLimitPerIndex", spec.BackoffLimitPerIndex},
	} {
		if f.v != nil {
			errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*f.v), fldPath.Child(f.name))...)
		}
	}
	if spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(*spec.ActiveDeadlineSeconds, fldPath.Child("activeDeadlineSeconds"))...)
	}
	if spec.MaxFailedIndexes != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*spec.MaxFailedIndexes), fldPath.Child("maxFailedIndexes"))...)
		if spec.BackoffLimitPerIndex == nil {
			errs = append(errs, field.Required(fldPath.Child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
		}
	}
	if spec.ManagedBy != nil {
		errs = append(errs, validation.IsDomainPrefixedPath(fldPath.Child("managedBy"), *spec.ManagedBy)...)
		if len(*spec.ManagedBy) > maxManagedByLength {
			errs = append(errs, field.TooLong(fldPath.Child("managedBy"), *spec.ManagedBy, maxManagedByLength))
		}
	}
	errs = append(errs, validateCompletionMode(spec, fldPath)...)
	if spec.PodFailurePolicy != nil {
		errs = append(errs, validatePodFailurePolicy(spec, fldPath.Child("podFailurePolicy"))...)
	}
	if spec.SuccessPolicy != nil {
		if !isIndexed(spec) {
			errs = append(errs, field.Invalid(fldPath.Child("successPolicy"), *spec.SuccessPolicy, "requires indexed completion mode"))
		} else {
			errs = append(errs, validateSuccessPolicy(spec, fldPath.Child("successPolicy"))...)
		}
	}
	errs = append(errs, validatePodReplacementPolicy(spec, fldPath.Child("podReplacementPolicy"))...)
	errs = append(errs, core.ValidatePodTemplateSpec(&spec.Template, fldPath.Child("template"))...)
	return append(errs, validateJobRestartPolicy(spec, fldPath.Child("template", "spec", "restartPolicy"))...)
}

func validateCompletionMode(spec *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if m := spec.CompletionMode; m != nil && *m != batchv1.NonIndexedCompletion && *m != batchv1.IndexedCompletion {
		errs = append(errs, field.NotSupported(fldPath.Child("completionMode"), *m, []batchv1.CompletionMode{batchv1.NonIndexedCompletion, batchv1.IndexedCompletion}))
	}
	if !isIndexed(spec) {
		if spec.CompletionMode == nil || *spec.CompletionMode == batchv1.NonIndexedCompletion {
			if spec.BackoffLimitPerIndex != nil {
				errs = append(errs, field.Invalid(fldPath.Child("backoffLimitPerIndex"), *spec.BackoffLimitPerIndex, "requires indexed completion mode"))
			}
			if spec.MaxFailedIndexes != nil {
				errs = append(errs, field.Invalid(fldPath.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, "requires indexed completion mode"))
			}
		}
		return errs
	}
	if spec.Completions == nil {
		errs = append(errs, field.Required(fldPath.Child("completions"), "when completion mode is Indexed"))
	}
	if p := spec.Parallelism; p != nil && *p > maxParallelismForIndexedJob {
		errs = append(errs, field.Invalid(fldPath.Child("parallelism"), *p, fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxParallelismForIndexedJob)))
	}
	if m := spec.MaxFailedIndexes; m != nil {
		if spec.Completions != nil && *m > *spec.Completions {
			errs = append(errs, field.Invalid(fldPath.Child("maxFailedIndexes"), *m, "must be less than or equal to completions"))
		}
		if *m > maxFailedIndexesForIndexedJob {
			errs = append(errs, field.Invalid(fldPath.Child("maxFailedIndexes"), *m, fmt.Sprintf("must be less than or equal to %d", maxFailedIndexesForIndexedJob)))
		}
	}
	if c := spec.Completions; c != nil && spec.BackoffLimitPerIndex != nil && *c > maxCompletionsWithBackoffLimitPerIndex {
		errs = append(errs, field.Invalid(fldPath.Child("completions"), *c, fmt.Sprintf("must be less than or equal to %d when backoffLimitPerIndex is specified", maxCompletionsWithBackoffLimitPerIndex)))
	}
	return errs
}

// validateJobRestartPolicy: job pods run to completion, so Always (also what
// pod defaulting picks when unset) is rejected with the values that work.
func validateJobRestartPolicy(spec *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	switch rp := spec.Template.Spec.RestartPolicy; {
	case rp == corev1.RestartPolicyAlways || rp == "":
		return field.ErrorList{field.Required(fldPath, fmt.Sprintf("valid values: %q, %q", corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever))}
	case rp != corev1.RestartPolicyOnFailure && rp != corev1.RestartPolicyNever:
		return field.ErrorList{field.NotSupported(fldPath, rp, []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever})}
	case spec.PodFailurePolicy != nil && rp != corev1.RestartPolicyNever:
		return field.ErrorList{field.Invalid(fldPath, rp, fmt.Sprintf("only %q is supported when podFailurePolicy is specified", corev1.RestartPolicyNever))}
	}
	return nil
}

func validatePodReplacementPolicy(spec *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	p := spec.PodReplacementPolicy
	switch {
	case p == nil:
	case spec.PodFailurePolicy != nil:
		if *p != batchv1.Failed {
			return field.ErrorList{field.NotSupported(fldPath, *p, []batchv1.PodReplacementPolicy{batchv1.Failed})}
		}
	case *p != batchv1.Failed && *p != batchv1.TerminatingOrFailed:
		return field.ErrorList{field.NotSupported(fldPath, *p, []batchv1.PodReplacementPolicy{batchv1.Failed, batchv1.TerminatingOrFailed})}
	}
	return nil
}

func validateJobUpdate(n, o *batchv1.Job) field.ErrorList {
	// Jobs from before the prefixed labels keep validating against the legacy ones.
	_, prefixed := o.Spec.Template.Labels[batchv1.ControllerUidLabel]
	errs := validateJob(n, prefixed)
	spec, old, fldPath := &n.Spec, &o.Spec, field.NewPath("spec")
	errs = append(errs, validateCompletionsUpdate(spec, old, fldPath.Child("completions"))...)
	errs = append(errs, apivalidation.ValidateImmutableField(spec.Selector, old.Selector, fldPath.Child("selector"))...)
	errs = append(errs, validateTemplateUpdate(n, o)...)
	for _, f := range []struct {
		name     string
		now, was interface{}
	}{
		{"completionMode", spec.CompletionMode, old.CompletionMode},
		{"podFailurePolicy", spec.PodFailurePolicy, old.PodFailurePolicy},
		{"backoffLimitPerIndex", spec.BackoffLimitPerIndex, old.BackoffLimitPerIndex},
		{"managedBy", spec.ManagedBy, old.ManagedBy},
		{"successPolicy", spec.SuccessPolicy, old.SuccessPolicy},
	} {
		errs = append(errs, apivalidation.ValidateImmutableField(f.now, f.was, fldPath.Child(f.name))...)
	}
	return errs
}

// validateCompletionsUpdate: completions are fixed, except that an indexed
// job may be scaled (elastic indexed jobs) by changing completions and
// parallelism together.
func validateCompletionsUpdate(spec, old *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	if !isIndexed(spec) {
		return apivalidation.ValidateImmutableField(spec.Completions, old.Completions, fldPath)
	}
	if apiequality.Semantic.DeepEqual(spec.Completions, old.Completions) || spec.Completions == nil {
		return nil
	}
	if spec.Parallelism == nil || *spec.Completions != *spec.Parallelism {
		return field.ErrorList{field.Invalid(fldPath, *spec.Completions, "can only be modified in tandem with spec.parallelism")}
	}
	return nil
}

// validateTemplateUpdate keeps the pod template immutable — running pods were
// made from it — except that a suspended job that never started may still
// change where its pods will be scheduled (what queueing controllers do).
func validateTemplateUpdate(n, o *batchv1.Job) field.ErrorList {
	t, old := &n.Spec.Template, &o.Spec.Template
	suspended := o.Spec.Suspend != nil && *o.Spec.Suspend
	if suspended && o.Status.StartTime == nil {
		old = old.DeepCopy()
		switch {
		case t.Spec.Affinity == nil && old.Spec.Affinity != nil:
			old.Spec.Affinity.NodeAffinity = nil
			if apiequality.Semantic.DeepEqual(*old.Spec.Affinity, corev1.Affinity{}) {
				old.Spec.Affinity = nil
			}
		case t.Spec.Affinity != nil && old.Spec.Affinity == nil:
			old.Spec.Affinity = &corev1.Affinity{NodeAffinity: t.Spec.Affinity.NodeAffinity}
		case t.Spec.Affinity != nil && old.Spec.Affinity != nil:
			old.Spec.Affinity.NodeAffinity = t.Spec.Affinity.NodeAffinity
		}
		old.Spec.NodeSelector = t.Spec.NodeSelector
		old.Spec.Tolerations = t.Spec.Tolerations
		old.Spec.SchedulingGates = t.Spec.SchedulingGates
		old.Annotations = t.Annotations
		old.Labels = t.Labels
	}
	return apivalidation.ValidateImmutableField(t, old, field.NewPath("spec", "template"))
}

func validateJobStatus(s *batchv1.JobStatus, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct {
		name string
		v    int32
	}{{"active", s.Active}, {"succeeded", s.Succeeded}, {"failed", s.Failed}} {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(f.v), fldPath.Child(f.name))...)
	}
	if s.Ready != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*s.Ready), fldPath.Child("ready"))...)
	}
	if s.Terminating != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*s.Terminating), fldPath.Child("terminating"))...)
	}
	return errs
}

func isIndexed(spec *batchv1.JobSpec) bool {
	return spec.CompletionMode != nil && *spec.CompletionMode == batchv1.IndexedCompletion
}
