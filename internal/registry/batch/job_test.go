package batch

import (
	"reflect"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

// job returns a defaulted job as the handler would validate it on create.
func job(mutate func(*batchv1.Job)) *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: meta("pi"), Spec: batchv1.JobSpec{Template: podTemplate()}}
	r := jobRules()
	r.Default(j)
	r.PrepareForCreate(j)
	if mutate != nil {
		mutate(j)
	}
	return j
}

func TestJobDefaults(t *testing.T) {
	j := job(nil)
	s := j.Spec
	for _, c := range []struct {
		name      string
		got, want interface{}
	}{
		{"completions", s.Completions, ptr(int32(1))},
		{"parallelism", s.Parallelism, ptr(int32(1))},
		{"backoffLimit", s.BackoffLimit, ptr(int32(6))},
		{"completionMode", s.CompletionMode, ptr(batchv1.NonIndexedCompletion)},
		{"suspend", s.Suspend, ptr(false)},
		{"manualSelector", s.ManualSelector, ptr(false)},
		{"podReplacementPolicy", s.PodReplacementPolicy, ptr(batchv1.TerminatingOrFailed)},
		{"selector", s.Selector, &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "0f1e2d3c"}}},
		{"template labels", s.Template.Labels, map[string]string{
			"batch.kubernetes.io/controller-uid": "0f1e2d3c", "controller-uid": "0f1e2d3c",
			"batch.kubernetes.io/job-name": "pi", "job-name": "pi",
		}},
		{"job labels", j.Labels, s.Template.Labels},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}

	parallel := &batchv1.Job{Spec: batchv1.JobSpec{Parallelism: ptr(int32(3)), BackoffLimitPerIndex: ptr(int32(1)),
		PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
			OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget}}}}}}}
	defaultJob(parallel)
	if parallel.Spec.Completions != nil || *parallel.Spec.BackoffLimit != 1<<31-1 ||
		*parallel.Spec.PodReplacementPolicy != batchv1.Failed ||
		parallel.Spec.PodFailurePolicy.Rules[0].OnPodConditions[0].Status != corev1.ConditionTrue {
		t.Errorf("parallel defaults: %+v", parallel.Spec)
	}
}

func TestJobManualSelector(t *testing.T) {
	j := &batchv1.Job{ObjectMeta: meta("pi"), Spec: batchv1.JobSpec{
		ManualSelector: ptr(true),
		Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "pi"}},
		Template:       podTemplate(),
	}}
	j.Spec.Template.Labels = map[string]string{"app": "pi"}
	jobRules().Default(j)
	jobRules().PrepareForCreate(j)
	if len(j.Spec.Template.Labels) != 1 || len(j.Spec.Selector.MatchLabels) != 1 {
		t.Errorf("manual selector was rewritten: %+v", j.Spec)
	}
	wantErrors(t, jobRules().Validate(j))
}

func TestJobValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*batchv1.Job)
		want   []string
	}{
		{name: "valid"},
		{name: "restartPolicy Always", mutate: func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways },
			want: []string{`spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`}},
		{name: "negatives", mutate: func(j *batchv1.Job) {
			j.Spec.Parallelism = ptr(int32(-1))
			j.Spec.BackoffLimit = ptr(int32(-1))
			j.Spec.ActiveDeadlineSeconds = ptr(int64(-1))
		}, want: []string{
			"spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
			"spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0",
			"spec.activeDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
		}},
		{name: "foreign selector", mutate: func(j *batchv1.Job) {
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"job-name": "pi"}}
		}, want: []string{`spec.selector: Invalid value: {"matchLabels":{"job-name":"pi"}}: ` + "`selector` not auto-generated"}},
		{name: "conflicting uid label", mutate: func(j *batchv1.Job) { j.Spec.Template.Labels["controller-uid"] = "other" },
			want: []string{`spec.template.metadata.labels[controller-uid]: Invalid value: {"batch.kubernetes.io/controller-uid":"0f1e2d3c","batch.kubernetes.io/job-name":"pi","controller-uid":"other","job-name":"pi"}: must be '0f1e2d3c'`}},
		{name: "indexed without completions", mutate: func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
			j.Spec.Completions = nil
		}, want: []string{"spec.completions: Required value: when completion mode is Indexed"}},
		{name: "per-index limits need indexed", mutate: func(j *batchv1.Job) { j.Spec.MaxFailedIndexes = ptr(int32(1)) },
			want: []string{
				"spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified",
				"spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode",
			}},
		{name: "pod failure policy", mutate: func(j *batchv1.Job) {
			j.Spec.PodReplacementPolicy = ptr(batchv1.Failed)
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
				{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
					ContainerName: ptr("nope"), Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{3, 0, 3}}},
				{Action: "Explode"},
			}}
		}, want: []string{
			`spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template`,
			"spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Invalid value: 0: must not be 0 for the In operator",
			"spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3",
			"spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [3,0,3]: must be ordered",
			`spec.podFailurePolicy.rules[1].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore"`,
			"spec.podFailurePolicy.rules[1]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
		}},
		{name: "pod failure policy needs Never", mutate: func(j *batchv1.Job) {
			j.Spec.PodReplacementPolicy = ptr(batchv1.Failed)
			j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: batchv1.PodFailurePolicyActionIgnore,
				OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}}}}
		}, want: []string{`spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified`}},
		{name: "replacement policy with failure policy", mutate: func(j *batchv1.Job) {
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: batchv1.PodFailurePolicyActionIgnore,
				OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}}}}
		}, want: []string{`spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"`}},
		{name: "success policy", mutate: func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
			j.Spec.Completions = ptr(int32(5))
			j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{
				{SucceededIndexes: ptr("0,2-3"), SucceededCount: ptr(int32(4))},
				{SucceededIndexes: ptr("3,1")},
				{},
			}}
		}, want: []string{
			"spec.successPolicy.rules[0].succeededCount: Invalid value: 4: must be less than or equal to 3 (the number of indexes in the specified succeededIndexes field)",
			`spec.successPolicy.rules[1].succeededIndexes: Invalid value: "3,1": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1`,
			"spec.successPolicy.rules[2]: Required value: at least one of succeededCount or succeededIndexes must be specified",
		}},
		{name: "indexed hostname", mutate: func(j *batchv1.Job) {
			j.Name = "a.b"
			j.Spec.Template.Labels["job-name"], j.Spec.Template.Labels["batch.kubernetes.io/job-name"] = "a.b", "a.b"
			j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
		}, want: []string{`metadata.name: Invalid value: "a.b": will not able to create pod with invalid DNS label: a.b-0`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, jobRules().Validate(job(tc.mutate)), tc.want...)
		})
	}
}

func TestJobValidateUpdate(t *testing.T) {
	r := jobRules()
	old := job(nil)
	wantErrors(t, r.ValidateUpdate(job(func(j *batchv1.Job) { j.Spec.Parallelism = ptr(int32(4)) }), old))

	changed := job(func(j *batchv1.Job) {
		j.Spec.Completions = ptr(int32(2))
		j.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"}
	})
	errs := r.ValidateUpdate(changed, old)
	if len(errs) != 2 || errs[0].Error() != "spec.completions: Invalid value: 2: field is immutable" ||
		errs[1].Field != "spec.template" || errs[1].Detail != "field is immutable" {
		t.Errorf("immutable update: %v", errs)
	}

	// A suspended job that never ran may be re-targeted before it starts.
	suspended := job(func(j *batchv1.Job) { j.Spec.Suspend = ptr(true) })
	moved := suspended.DeepCopy()
	moved.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"}
	moved.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}}
	wantErrors(t, r.ValidateUpdate(moved, suspended))
	started := suspended.DeepCopy()
	started.Status.StartTime = &metav1.Time{Time: time.Now()}
	if errs := r.ValidateUpdate(moved, started); len(errs) != 1 || errs[0].Field != "spec.template" {
		t.Errorf("started job template update: %v", errs)
	}

	// Elastic indexed jobs scale completions and parallelism together.
	indexed := job(func(j *batchv1.Job) { j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion) })
	scaled := indexed.DeepCopy()
	scaled.Spec.Completions, scaled.Spec.Parallelism = ptr(int32(3)), ptr(int32(3))
	wantErrors(t, r.ValidateUpdate(scaled, indexed))
	scaled.Spec.Parallelism = ptr(int32(2))
	wantErrors(t, r.ValidateUpdate(scaled, indexed), "spec.completions: Invalid value: 3: can only be modified in tandem with spec.parallelism")
}

func TestJobTableAndFields(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	start := metav1.NewTime(now.Add(-90 * time.Second))
	for _, tc := range []struct {
		name   string
		mutate func(*batchv1.Job)
		want   []interface{}
	}{
		{"pending", nil, []interface{}{"pi", "Running", "0/1", "", "<unknown>"}},
		{"running", func(j *batchv1.Job) { j.Status.StartTime = &start }, []interface{}{"pi", "Running", "0/1", "90s", "<unknown>"}},
		{"complete", func(j *batchv1.Job) {
			j.Spec.Completions = ptr(int32(3))
			j.Status = batchv1.JobStatus{Succeeded: 3, StartTime: &start, CompletionTime: &metav1.Time{Time: now.Add(-30 * time.Second)},
				Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}
		}, []interface{}{"pi", "Complete", "3/3", "60s", "<unknown>"}},
		{"work queue", func(j *batchv1.Job) {
			j.Spec.Completions, j.Spec.Parallelism = nil, ptr(int32(4))
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobSuspended, Status: corev1.ConditionTrue}}
		}, []interface{}{"pi", "Suspended", "0/1 of 4", "", "<unknown>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := jobRow(job(tc.mutate), now)
			want := append(tc.want, "pi", "perl:5.34", "batch.kubernetes.io/controller-uid=0f1e2d3c")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("row %#v, want %#v", got, want)
			}
			if len(jobColumns) != len(want) {
				t.Errorf("%d columns for %d cells", len(jobColumns), len(want))
			}
		})
	}
	j := job(func(j *batchv1.Job) { j.Status.Succeeded = 2 })
	if got := jobRules().Fields(j); !reflect.DeepEqual(got, fields.Set{"status.successful": "2"}) {
		t.Errorf("fields %v", got)
	}
	wantErrors(t, jobRules().ValidateStatusUpdate(job(func(j *batchv1.Job) { j.Status.Active = -1 }), j),
		"status.active: Invalid value: -1: must be greater than or equal to 0")
}
