package batch

import (
	"reflect"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func cronJob(mutate func(*batchv1.CronJob)) *batchv1.CronJob {
	cj := &batchv1.CronJob{ObjectMeta: meta("hello"), Spec: batchv1.CronJobSpec{
		Schedule:    "*/5 * * * *",
		JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: podTemplate()}},
	}}
	cronJobRules().Default(cj)
	if mutate != nil {
		mutate(cj)
	}
	return cj
}

func TestCronJobDefaults(t *testing.T) {
	s := cronJob(nil).Spec
	if s.ConcurrencyPolicy != batchv1.AllowConcurrent || *s.Suspend || *s.SuccessfulJobsHistoryLimit != 3 || *s.FailedJobsHistoryLimit != 1 {
		t.Errorf("defaults: %+v", s)
	}
	if s.JobTemplate.Spec.BackoffLimit != nil || s.JobTemplate.Spec.Selector != nil {
		t.Errorf("job defaults leaked into the template: %+v", s.JobTemplate.Spec)
	}
}

func TestCronJobValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*batchv1.CronJob)
		want   []string
	}{
		{name: "valid"},
		{name: "valid descriptor and zone", mutate: func(cj *batchv1.CronJob) {
			cj.Spec.Schedule = "@hourly"
			cj.Spec.TimeZone = ptr("Europe/Berlin")
		}},
		{name: "no schedule", mutate: func(cj *batchv1.CronJob) { cj.Spec.Schedule = "" },
			want: []string{"spec.schedule: Required value"}},
		{name: "bad schedule", mutate: func(cj *batchv1.CronJob) { cj.Spec.Schedule = "61 * * * *" },
			want: []string{`spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61`}},
		{name: "four fields", mutate: func(cj *batchv1.CronJob) { cj.Spec.Schedule = "* * * *" },
			want: []string{`spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]`}},
		{name: "TZ in schedule", mutate: func(cj *batchv1.CronJob) { cj.Spec.Schedule = "TZ=UTC 0 * * * *" },
			want: []string{`spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`}},
		{name: "bad zone", mutate: func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr("Mars/Olympus") },
			want: []string{`spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus`}},
		{name: "local zone", mutate: func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr("Local") },
			want: []string{`spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones`}},
		{name: "malformed zone", mutate: func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr("../etc") },
			want: []string{`spec.timeZone: Invalid value: "../etc": unknown time zone ../etc`}},
		{name: "policy and limits", mutate: func(cj *batchv1.CronJob) {
			cj.Spec.ConcurrencyPolicy = "Sometimes"
			cj.Spec.FailedJobsHistoryLimit = ptr(int32(-1))
		}, want: []string{
			`spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"`,
			"spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
		}},
		{name: "job template", mutate: func(cj *batchv1.CronJob) {
			cj.Spec.JobTemplate.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
			cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}, want: []string{
			`spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`,
			`spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: ` + "`selector` will be auto-generated",
		}},
		{name: "long name", mutate: func(cj *batchv1.CronJob) { cj.Name = strings.Repeat("a", 53) },
			want: []string{`metadata.name: Invalid value: "` + strings.Repeat("a", 53) + `": must be no more than 52 characters`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, cronJobRules().Validate(cronJob(tc.mutate)), tc.want...)
		})
	}
}

func TestCronJobValidateUpdate(t *testing.T) {
	r := cronJobRules()
	// Stored before TZ prefixes were forbidden: still editable.
	old := cronJob(func(cj *batchv1.CronJob) {
		cj.Spec.Schedule = "CRON_TZ=UTC 0 * * * *"
		cj.Name = strings.Repeat("a", 60)
	})
	n := old.DeepCopy()
	n.Spec.Suspend = ptr(true)
	wantErrors(t, r.ValidateUpdate(n, old))
	n.Spec.TimeZone = ptr("UTC")
	wantErrors(t, r.ValidateUpdate(n, old), `spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule`)
}

func TestCronJobTable(t *testing.T) {
	cj := cronJob(func(cj *batchv1.CronJob) {
		cj.Spec.TimeZone = ptr("Etc/UTC")
		cj.Status.Active = []corev1.ObjectReference{{Name: "hello-1"}}
	})
	want := []interface{}{"hello", "*/5 * * * *", "Etc/UTC", "False", int64(1), "<none>", "<unknown>", "pi", "perl:5.34", "<none>"}
	if got := cronJobRules().Row(cj); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if len(cronJobColumns) != len(want) {
		t.Errorf("%d columns for %d cells", len(cronJobColumns), len(want))
	}
}
