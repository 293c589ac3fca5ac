package batch

import (
	"fmt"
	"math"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
	"github.com/bosun-dev/bosun/internal/registry/apps"
	"github.com/bosun-dev/bosun/internal/registry/core"
)

// The unprefixed labels Kubernetes still puts on job pods next to the
// batch.kubernetes.io/ ones, for selectors written before the prefix.
const (
	legacyJobNameLabel       = "job-name"
	legacyControllerUIDLabel = "controller-uid"
)

func jobRules() registry.Rules {
	return registry.Rules{
		Default:          func(obj runtime.Object) { defaultJob(obj.(*batchv1.Job)) },
		PrepareForCreate: func(obj runtime.Object) { prepareJobForCreate(obj.(*batchv1.Job)) },
		Validate:         func(obj runtime.Object) field.ErrorList { return validateJob(obj.(*batchv1.Job), true) },
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validateJobUpdate(obj.(*batchv1.Job), old.(*batchv1.Job))
		},
		ValidateStatusUpdate: func(obj, _ runtime.Object) field.ErrorList {
			return validateJobStatus(&obj.(*batchv1.Job).Status, field.NewPath("status"))
		},
		Columns: jobColumns,
		Row:     func(obj runtime.Object) []interface{} { return jobRow(obj.(*batchv1.Job), time.Now()) },
		Fields: func(obj runtime.Object) fields.Set {
			return fields.Set{"status.successful": strconv.Itoa(int(obj.(*batchv1.Job).Status.Succeeded))}
		},
	}
}

func defaultJob(j *batchv1.Job) {
	s := &j.Spec
	// A job with neither set is one pod run to completion once.
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions = ptr(int32(1))
	}
	if s.Parallelism == nil {
		s.Parallelism = ptr(int32(1))
	}
	if s.BackoffLimit == nil {
		if s.BackoffLimitPerIndex != nil {
			// Per-index limits take over; the global one must not interfere.
			s.BackoffLimit = ptr(int32(math.MaxInt32))
		} else {
			s.BackoffLimit = ptr(int32(6))
		}
	}
	if j.Spec.Template.Labels != nil && len(j.Labels) == 0 {
		j.Labels = copyLabels(j.Spec.Template.Labels)
	}
	if s.CompletionMode == nil {
		s.CompletionMode = ptr(batchv1.NonIndexedCompletion)
	}
	if s.Suspend == nil {
		s.Suspend = ptr(false)
	}
	if s.PodFailurePolicy != nil {
		for _, rule := range s.PodFailurePolicy.Rules {
			for i := range rule.OnPodConditions {
				if rule.OnPodConditions[i].Status == "" {
					rule.OnPodConditions[i].Status = corev1.ConditionTrue
				}
			}
		}
	}
	if s.PodReplacementPolicy == nil {
		if s.PodFailurePolicy != nil {
			// Pod failure policies judge terminal pods, so replacements wait
			// until a pod is fully failed.
			s.PodReplacementPolicy = ptr(batchv1.Failed)
		} else {
			s.PodReplacementPolicy = ptr(batchv1.TerminatingOrFailed)
		}
	}
	if s.ManualSelector == nil {
		s.ManualSelector = ptr(false)
	}
	core.DefaultPodSpec(&s.Template.Spec)
}

// prepareJobForCreate generates the selector unless the user manages it:
// pods are labelled with the job's uid, which no other object shares, so a
// job never adopts another's pods. It needs metadata.uid, which the handler
// sets before PrepareForCreate.
func prepareJobForCreate(j *batchv1.Job) {
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector {
		return
	}
	if j.Spec.Template.Labels == nil {
		j.Spec.Template.Labels = map[string]string{}
	}
	tl := j.Spec.Template.Labels
	// Labels the user already set are kept; a conflicting value then fails
	// validation instead of being overwritten silently.
	for _, k := range []string{legacyJobNameLabel, batchv1.JobNameLabel} {
		if _, ok := tl[k]; !ok {
			tl[k] = j.Name
		}
	}
	for _, k := range []string{legacyControllerUIDLabel, batchv1.ControllerUidLabel} {
		if _, ok := tl[k]; !ok {
			tl[k] = string(j.UID)
		}
	}
	if j.Spec.Selector == nil {
		j.Spec.Selector = &metav1.LabelSelector{}
	}
	if j.Spec.Selector.MatchLabels == nil {
		j.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel]; !ok {
		j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = string(j.UID)
	}
	// Kubernetes re-applies defaults when it reads the job back, copying the
	// now complete template labels onto an unlabelled job; do it once here.
	if len(j.Labels) == 0 {
		j.Labels = copyLabels(tl)
	}
}

var jobColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	{Name: "Status", Type: "string", Description: "Status of the job."},
	{Name: "Completions", Type: "string", Description: batchv1.JobStatus{}.SwaggerDoc()["succeeded"]},
	{Name: "Duration", Type: "string", Description: "Time required to complete the job."},
	{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."},
	{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."},
	{Name: "Selector", Type: "string", Priority: 1, Description: batchv1.JobSpec{}.SwaggerDoc()["selector"]},
}

func jobRow(j *batchv1.Job, now time.Time) []interface{} {
	var completions string
	switch p := j.Spec.Parallelism; {
	case j.Spec.Completions != nil:
		completions = fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	case p != nil && *p > 1:
		completions = fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, *p)
	default:
		completions = fmt.Sprintf("%d/1", j.Status.Succeeded)
	}
	var took string
	switch st := j.Status; {
	case st.StartTime == nil:
	case st.CompletionTime == nil:
		took = duration.HumanDuration(now.Sub(st.StartTime.Time))
	default:
		took = duration.HumanDuration(st.CompletionTime.Sub(st.StartTime.Time))
	}
	names, images := apps.ContainerCells(j.Spec.Template.Spec.Containers)
	return []interface{}{
		j.Name, jobStatus(j), completions, took, registry.Age(j.CreationTimestamp),
		names, images, metav1.FormatLabelSelector(j.Spec.Selector),
	}
}

// jobStatus is the STATUS cell: terminal conditions first, then deletion,
// then the transient conditions, in kubectl's order.
func jobStatus(j *batchv1.Job) string {
	switch {
	case hasCondition(j, batchv1.JobComplete):
		return "Complete"
	case hasCondition(j, batchv1.JobFailed):
		return "Failed"
	case j.DeletionTimestamp != nil:
		return "Terminating"
	case hasCondition(j, batchv1.JobSuspended):
		return "Suspended"
	case hasCondition(j, batchv1.JobFailureTarget):
		return "FailureTarget"
	case hasCondition(j, batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	}
	return "Running"
}

func hasCondition(j *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func copyLabels(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func ptr[T any](v T) *T { return &v }
