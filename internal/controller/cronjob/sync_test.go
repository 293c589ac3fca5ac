package cronjob

import (
	"context"
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

type fixture struct {
	c        *Controller
	client   *fake.Clientset
	recorder *record.FakeRecorder
}

func newCronJob(schedule string) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "hello", UID: "cj-uid",
			CreationTimestamp: metav1.NewTime(t0.Add(-12 * time.Minute))},
		Spec: batchv1.CronJobSpec{
			Schedule: schedule, TimeZone: ptr.To("UTC"), ConcurrencyPolicy: batchv1.AllowConcurrent,
			SuccessfulJobsHistoryLimit: ptr.To[int32](3), FailedJobsHistoryLimit: ptr.To[int32](1),
			JobTemplate: batchv1.JobTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "hello"}}},
		},
	}
}

// jobOf makes a job of cj scheduled at t, finished with cond unless empty.
func jobOf(cj *batchv1.CronJob, at time.Time, cond batchv1.JobConditionType) *batchv1.Job {
	j := newJob(cj, jobName(cj, at), at)
	j.UID = types.UID("uid-" + j.Name)
	j.Status.StartTime = &metav1.Time{Time: at}
	if cond != "" {
		j.Status.Conditions = []batchv1.JobCondition{{Type: cond, Status: corev1.ConditionTrue}}
		if cond == batchv1.JobComplete {
			j.Status.CompletionTime = &metav1.Time{Time: at.Add(time.Minute)}
		}
	}
	return j
}

func setup(t *testing.T, now time.Time, cj *batchv1.CronJob, jobs ...*batchv1.Job) *fixture {
	t.Helper()
	objs := []runtime.Object{cj}
	for _, j := range jobs {
		objs = append(objs, j)
	}
	client := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(100)
	c := New(client, factory, rec, Options{Clock: clocktesting.NewFakeClock(now)})
	if err := factory.Batch().V1().CronJobs().Informer().GetIndexer().Add(cj); err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if err := factory.Batch().V1().Jobs().Informer().GetIndexer().Add(j); err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return &fixture{c: c, client: client, recorder: rec}
}

func (f *fixture) sync(t *testing.T) time.Duration {
	t.Helper()
	d, err := f.c.sync(context.Background(), "default/hello")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) actions() []string {
	var out []string
	for _, a := range f.client.Actions() {
		s := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			s += "/" + a.GetSubresource()
		}
		switch a.GetVerb() {
		case "create":
			s += " " + a.(k8stesting.CreateAction).GetObject().(metav1.Object).GetName()
		case "delete":
			s += " " + a.(k8stesting.DeleteAction).GetName()
		}
		out = append(out, s)
	}
	return out
}

func (f *fixture) status(t *testing.T) batchv1.CronJobStatus {
	t.Helper()
	acts := f.client.Actions()
	for i := len(acts) - 1; i >= 0; i-- {
		if acts[i].GetSubresource() == "status" {
			return acts[i].(k8stesting.UpdateAction).GetObject().(*batchv1.CronJob).Status
		}
	}
	t.Fatal("no status update")
	return batchv1.CronJobStatus{}
}

func (f *fixture) events() []string {
	var out []string
	for len(f.recorder.Events) > 0 {
		out = append(out, <-f.recorder.Events)
	}
	return out
}

func TestSyncCreatesDueJob(t *testing.T) {
	cj := newCronJob("*/5 * * * *")
	cj.Spec.TimeZone = ptr.To("Europe/Paris")
	f := setup(t, t0.Add(10*time.Second), cj)
	requeue := f.sync(t)
	if want := []string{"create jobs hello-29454480", "update cronjobs/status"}; !slices.Equal(f.actions(), want) {
		t.Fatalf("actions = %v, want %v", f.actions(), want)
	}
	if requeue != 290*time.Second+nextScheduleDelta {
		t.Fatalf("requeue = %v", requeue)
	}
	job := f.client.Actions()[0].(k8stesting.CreateAction).GetObject().(*batchv1.Job)
	if got := job.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; got != "2026-01-01T13:00:00+01:00" {
		t.Fatalf("scheduled annotation = %q", got)
	}
	if ref := metav1.GetControllerOf(job); ref == nil || ref.Kind != "CronJob" || job.Labels["app"] != "hello" {
		t.Fatalf("job meta = %+v", job.ObjectMeta)
	}
	st := f.status(t)
	if len(st.Active) != 1 || st.Active[0].Name != "hello-29454480" || !st.LastScheduleTime.Time.Equal(t0) {
		t.Fatalf("status = %+v", st)
	}
	if ev := f.events(); !slices.Equal(ev, []string{"Normal SuccessfulCreate Created job hello-29454480"}) {
		t.Fatalf("events = %v", ev)
	}
}

func TestSyncNothingDue(t *testing.T) {
	cj := newCronJob("*/5 * * * *")
	cj.Status.LastScheduleTime = &metav1.Time{Time: t0}
	f := setup(t, t0.Add(time.Minute), cj)
	if requeue := f.sync(t); requeue != 4*time.Minute+nextScheduleDelta || len(f.actions()) != 0 {
		t.Fatalf("requeue %v actions %v", requeue, f.actions())
	}
}

func TestSyncForbidSkipsWhileActive(t *testing.T) {
	cj := newCronJob("*/5 * * * *")
	cj.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
	running := jobOf(cj, t0.Add(-5*time.Minute), "")
	cj.Status.Active = []corev1.ObjectReference{jobRef(running)}
	cj.Status.LastScheduleTime = &metav1.Time{Time: t0.Add(-5 * time.Minute)}
	f := setup(t, t0, cj, running)
	f.sync(t)
	if len(f.actions()) != 0 {
		t.Fatalf("actions = %v", f.actions())
	}
	want := "Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid"
	if ev := f.events(); !slices.Equal(ev, []string{want}) {
		t.Fatalf("events = %v", ev)
	}
}

func TestSyncReplaceDeletesActive(t *testing.T) {
	cj := newCronJob("*/5 * * * *")
	cj.Spec.ConcurrencyPolicy = batchv1.ReplaceConcurrent
	running := jobOf(cj, t0.Add(-5*time.Minute), "")
	cj.Status.Active = []corev1.ObjectReference{jobRef(running)}
	cj.Status.LastScheduleTime = &metav1.Time{Time: t0.Add(-5 * time.Minute)}
	f := setup(t, t0, cj, running)
	f.sync(t)
	want := []string{"delete jobs hello-29454475", "create jobs hello-29454480", "update cronjobs/status"}
	if !slices.Equal(f.actions(), want) {
		t.Fatalf("actions = %v, want %v", f.actions(), want)
	}
	if st := f.status(t); len(st.Active) != 1 || st.Active[0].Name != "hello-29454480" {
		t.Fatalf("active = %+v", st.Active)
	}
}

func TestSyncMissedDeadline(t *testing.T) {
	cj := newCronJob("0 * * * *")
	cj.Spec.StartingDeadlineSeconds = ptr.To[int64](10)
	cj.CreationTimestamp = metav1.NewTime(t0.Add(-time.Hour))
	f := setup(t, t0.Add(5*time.Second), cj)
	f.sync(t)
	if len(f.actions()) != 2 {
		t.Fatalf("a run within its deadline must start: %v", f.actions())
	}
	f = setup(t, t0.Add(15*time.Second), cj)
	f.sync(t)
	if len(f.actions()) != 0 {
		t.Fatalf("a run past its deadline must not start: %v", f.actions())
	}
}

func TestSyncSawCompletedAndPrunesHistory(t *testing.T) {
	cj := newCronJob("*/5 * * * *")
	cj.Spec.SuccessfulJobsHistoryLimit = ptr.To[int32](1)
	old := jobOf(cj, t0.Add(-10*time.Minute), batchv1.JobComplete)
	recent := jobOf(cj, t0.Add(-5*time.Minute), batchv1.JobComplete)
	cj.Status.Active = []corev1.ObjectReference{jobRef(recent)}
	cj.Status.LastScheduleTime = &metav1.Time{Time: t0.Add(-5 * time.Minute)}
	f := setup(t, t0.Add(-3*time.Minute), cj, old, recent)
	f.sync(t)
	if want := []string{"delete jobs " + old.Name, "update cronjobs/status"}; !slices.Equal(f.actions(), want) {
		t.Fatalf("actions = %v, want %v", f.actions(), want)
	}
	st := f.status(t)
	if len(st.Active) != 0 || !st.LastSuccessfulTime.Time.Equal(t0.Add(-4*time.Minute)) {
		t.Fatalf("status = %+v", st)
	}
	want := []string{"Normal SawCompletedJob Saw completed job: " + recent.Name + ", status: Complete",
		"Normal SuccessfulDelete Deleted job " + old.Name}
	if ev := f.events(); !slices.Equal(ev, want) {
		t.Fatalf("events = %v", ev)
	}
}

func TestSyncSuspended(t *testing.T) {
	cj := newCronJob("*/5 * * * *")
	cj.Spec.Suspend = ptr.To(true)
	f := setup(t, t0, cj)
	if requeue := f.sync(t); requeue != 0 || len(f.actions()) != 0 {
		t.Fatalf("suspended cronjob acted: %v %v", requeue, f.actions())
	}
}

func TestSyncManualJobIsNotActive(t *testing.T) {
	cj := newCronJob("*/5 * * * *")
	cj.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
	manual := jobOf(cj, t0.Add(-time.Hour), "")
	manual.Name = "hello-manual-x"
	f := setup(t, t0, cj, manual)
	f.sync(t)
	if want := []string{"create jobs hello-29454480", "update cronjobs/status"}; !slices.Equal(f.actions(), want) {
		t.Fatalf("a hand-made job must not block Forbid: %v", f.actions())
	}
	if ev := f.events(); len(ev) == 0 || ev[0] != "Warning UnexpectedJob Saw a job that the controller did not create or forgot: hello-manual-x" {
		t.Fatalf("events = %v", ev)
	}
}
