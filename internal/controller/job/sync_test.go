package job

import (
	"context"
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

func TestSyncCreatesUpToParallelism(t *testing.T) {
	f := setup(t, newJob("pi", 3, 2))
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	want := []string{"create pods pi-", "create pods pi-", "update jobs/status"}
	if got := f.actions(); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	st := f.lastStatus(t)
	if st.Active != 2 || st.StartTime == nil || !st.StartTime.Time.Equal(t0) {
		t.Fatalf("status = %+v", st)
	}
	if ev := f.events(); !slices.Equal(ev, []string{"Normal SuccessfulCreate Created pod: pi-1", "Normal SuccessfulCreate Created pod: pi-2"}) {
		t.Fatalf("events = %v", ev)
	}
	pod := f.client.Actions()[0].(k8stesting.CreateAction).GetObject().(*corev1.Pod)
	if !hasTracking(pod) || metav1.GetControllerOf(pod).UID != "uid-pi" {
		t.Fatalf("pod lacks finalizer or owner: %+v", pod.ObjectMeta)
	}
	// A second sync before the informer saw the pods must not create more.
	f.client.ClearActions()
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	for _, a := range f.actions() {
		if a[:6] == "create" {
			t.Fatalf("duplicate create on stale cache: %v", f.actions())
		}
	}
}

func TestSyncCountsThroughFinalizersAndCompletes(t *testing.T) {
	job := newJob("pi", 2, 2)
	job.Status.StartTime = &metav1.Time{Time: t0.Add(-time.Minute)}
	f := setup(t, job, podOf(job, "pi-a", corev1.PodSucceeded), podOf(job, "pi-b", corev1.PodSucceeded))
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	want := []string{"update jobs/status", "patch pods pi-a", "patch pods pi-b", "update jobs/status"}
	if got := f.actions(); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	first := f.client.Actions()[0].(k8stesting.UpdateAction).GetObject().(*batchv1.Job).Status
	if len(first.UncountedTerminatedPods.Succeeded) != 2 || first.Succeeded != 0 {
		t.Fatalf("finished pods must be recorded as uncounted first: %+v", first)
	}
	st := f.lastStatus(t)
	if st.Succeeded != 2 || len(st.UncountedTerminatedPods.Succeeded) != 0 || st.CompletionTime == nil {
		t.Fatalf("status = %+v", st)
	}
	for _, ct := range []batchv1.JobConditionType{batchv1.JobSuccessCriteriaMet, batchv1.JobComplete} {
		c := condition(st, ct)
		if c == nil || c.Reason != "CompletionsReached" || c.Message != "Reached expected number of succeeded pods" {
			t.Fatalf("condition %s = %+v", ct, c)
		}
	}
	if ev := f.events(); !slices.Equal(ev, []string{"Normal Completed Job completed"}) {
		t.Fatalf("events = %v", ev)
	}
}

func TestSyncFailsAtBackoffLimit(t *testing.T) {
	job := newJob("pi", 1, 1)
	job.Spec.BackoffLimit = ptr.To[int32](1)
	job.Status.StartTime = &metav1.Time{Time: t0.Add(-time.Minute)}
	job.Status.Failed = 1
	f := setup(t, job, podOf(job, "pi-b", corev1.PodFailed))
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	st := f.lastStatus(t)
	if st.Failed != 2 {
		t.Fatalf("failed = %d", st.Failed)
	}
	for _, ct := range []batchv1.JobConditionType{batchv1.JobFailureTarget, batchv1.JobFailed} {
		c := condition(st, ct)
		if c == nil || c.Reason != "BackoffLimitExceeded" || c.Message != "Job has reached the specified backoff limit" {
			t.Fatalf("condition %s = %+v", ct, c)
		}
	}
	if ev := f.events(); !slices.Equal(ev, []string{"Warning BackoffLimitExceeded Job has reached the specified backoff limit"}) {
		t.Fatalf("events = %v", ev)
	}
}

func TestSyncWaitsOutBackoff(t *testing.T) {
	job := newJob("pi", 1, 1)
	job.Status.StartTime = &metav1.Time{Time: t0.Add(-time.Minute)}
	failed := podOf(job, "pi-a", corev1.PodFailed)
	failed.Finalizers = nil
	failed.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, FinishedAt: metav1.NewTime(t0)}}}}
	job.Status.Failed = 1
	f := setup(t, job, failed)
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	for _, a := range f.actions() {
		if a[:6] == "create" {
			t.Fatalf("created a pod during backoff: %v", f.actions())
		}
	}
	f.clock.Step(time.Second)
	f.client.ClearActions()
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	if got := f.actions(); len(got) == 0 || got[0] != "create pods pi-" {
		t.Fatalf("after backoff actions = %v", got)
	}
}

func TestSyncDeadlineExceeded(t *testing.T) {
	job := newJob("pi", 1, 1)
	job.Spec.ActiveDeadlineSeconds = ptr.To[int64](60)
	job.Status.StartTime = &metav1.Time{Time: t0.Add(-2 * time.Minute)}
	f := setup(t, job, podOf(job, "pi-a", corev1.PodRunning))
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	want := []string{"patch pods pi-a", "delete pods pi-a", "update jobs/status"}
	if got := f.actions(); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	st := f.lastStatus(t)
	c := condition(st, batchv1.JobFailureTarget)
	if c == nil || c.Reason != "DeadlineExceeded" || c.Message != "Job was active longer than specified deadline" {
		t.Fatalf("FailureTarget = %+v", c)
	}
	if condition(st, batchv1.JobFailed) != nil || *st.Terminating != 1 || st.Active != 0 {
		t.Fatalf("Failed must wait for the pod to terminate: %+v", st)
	}
}

func TestSyncPodFailurePolicy(t *testing.T) {
	job := newJob("pi", 1, 1)
	job.Status.StartTime = &metav1.Time{Time: t0.Add(-time.Minute)}
	job.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
		{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget}}},
		{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}},
	}}
	p := podOf(job, "pi-a", corev1.PodFailed)
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: 42}}}}
	f := setup(t, job, p)
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	c := condition(f.lastStatus(t), batchv1.JobFailed)
	want := "Container main for pod default/pi-a failed with exit code 42 matching FailJob rule at index 1"
	if c == nil || c.Reason != "PodFailurePolicy" || c.Message != want {
		t.Fatalf("Failed = %+v", c)
	}
}

func TestSyncIgnoredFailureIsNotCounted(t *testing.T) {
	job := newJob("pi", 1, 1)
	job.Status.StartTime = &metav1.Time{Time: t0.Add(-time.Minute)}
	job.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
		{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget}}},
	}}
	p := podOf(job, "pi-a", corev1.PodFailed)
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}
	f := setup(t, job, p)
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	if st := f.lastStatus(t); st.Failed != 0 {
		t.Fatalf("ignored failure counted: %+v", st)
	}
}

func TestSyncIndexed(t *testing.T) {
	job := newJob("idx", 3, 3)
	job.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	job.Status.StartTime = &metav1.Time{Time: t0.Add(-time.Minute)}
	done := podOf(job, "idx-1-x", corev1.PodSucceeded)
	done.Annotations = map[string]string{batchv1.JobCompletionIndexAnnotation: "1"}
	f := setup(t, job, done)
	if err := f.c.sync(context.Background(), "default/idx"); err != nil {
		t.Fatal(err)
	}
	want := []string{"update jobs/status", "patch pods idx-1-x", "create pods idx-0-", "create pods idx-2-", "update jobs/status"}
	if got := f.actions(); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	st := f.lastStatus(t)
	if st.CompletedIndexes != "1" || st.Succeeded != 1 || st.Active != 2 {
		t.Fatalf("status = %+v", st)
	}
	pod := f.client.Actions()[3].(k8stesting.CreateAction).GetObject().(*corev1.Pod)
	env := pod.Spec.Containers[0].Env
	if pod.Annotations[batchv1.JobCompletionIndexAnnotation] != "2" || pod.Labels[batchv1.JobCompletionIndexAnnotation] != "2" ||
		pod.Spec.Hostname != "idx-2" || len(env) != 1 || env[0].Name != "JOB_COMPLETION_INDEX" {
		t.Fatalf("indexed pod = %+v %+v", pod.ObjectMeta, pod.Spec)
	}
}

func TestSyncSuspendAndResume(t *testing.T) {
	job := newJob("pi", 2, 1)
	job.Spec.Suspend = ptr.To(true)
	job.Status.StartTime = &metav1.Time{Time: t0.Add(-time.Minute)}
	f := setup(t, job, podOf(job, "pi-a", corev1.PodRunning))
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	want := []string{"patch pods pi-a", "delete pods pi-a", "update jobs/status"}
	if got := f.actions(); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	st := f.lastStatus(t)
	if c := condition(st, batchv1.JobSuspended); c == nil || c.Status != corev1.ConditionTrue || c.Reason != "JobSuspended" {
		t.Fatalf("Suspended = %+v", c)
	}
	if st.Failed != 0 {
		t.Fatalf("suspension must not count failures: %+v", st)
	}
	resumed := job.DeepCopy()
	resumed.Spec.Suspend = ptr.To(false)
	resumed.Status = st
	f = setup(t, resumed)
	f.clock.Step(time.Minute)
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	st = f.lastStatus(t)
	if c := condition(st, batchv1.JobSuspended); c == nil || c.Status != corev1.ConditionFalse || c.Reason != "JobResumed" {
		t.Fatalf("Suspended after resume = %+v", c)
	}
	if !st.StartTime.Time.Equal(t0.Add(time.Minute)) || st.Active != 1 {
		t.Fatalf("resume must restart the clock and create pods: %+v", st)
	}
}

func TestSyncFinishedJobReleasesPods(t *testing.T) {
	job := newJob("pi", 1, 1)
	job.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
	f := setup(t, job, podOf(job, "pi-a", corev1.PodSucceeded))
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	if got := f.actions(); !slices.Equal(got, []string{"patch pods pi-a"}) {
		t.Fatalf("actions = %v", got)
	}
}

func TestSyncReleasesPodsOfDeletedJob(t *testing.T) {
	job := newJob("pi", 1, 1)
	gone := newJob("gone", 1, 1)
	f := setup(t, job, podOf(gone, "gone-a", corev1.PodRunning), podOf(job, "pi-a", corev1.PodRunning))
	if err := f.c.sync(context.Background(), "default/gone"); err != nil {
		t.Fatal(err)
	}
	if got := f.actions(); !slices.Equal(got, []string{"patch pods gone-a"}) {
		t.Fatalf("actions = %v", got)
	}
}

func TestSyncLeavesJobsManagedElsewhere(t *testing.T) {
	job := newJob("pi", 1, 1)
	job.Spec.ManagedBy = ptr.To("example.com/queue")
	f := setup(t, job)
	if err := f.c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	if got := f.actions(); len(got) != 0 {
		t.Fatalf("actions = %v", got)
	}
}

func TestSyncBackoffLimitPerIndex(t *testing.T) {
	job := newJob("idx", 2, 2)
	job.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	job.Spec.BackoffLimitPerIndex = ptr.To[int32](1)
	job.Spec.BackoffLimit = ptr.To[int32](1 << 30)
	job.Status.StartTime = &metav1.Time{Time: t0.Add(-time.Minute)}
	job.Status.FailedIndexes = ptr.To("")
	// Index 0 fails for the second time (its pod carries one earlier
	// failure); index 1 fails for the first time.
	second := podOf(job, "idx-0-b", corev1.PodFailed)
	second.Annotations = map[string]string{batchv1.JobCompletionIndexAnnotation: "0", batchv1.JobIndexFailureCountAnnotation: "1"}
	first := podOf(job, "idx-1-a", corev1.PodFailed)
	first.Annotations = map[string]string{batchv1.JobCompletionIndexAnnotation: "1", batchv1.JobIndexFailureCountAnnotation: "0"}
	f := setup(t, job, second, first)
	f.c.backoffBase = time.Nanosecond
	f.clock.Step(time.Second)
	if err := f.c.sync(context.Background(), "default/idx"); err != nil {
		t.Fatal(err)
	}
	st := f.lastStatus(t)
	if *st.FailedIndexes != "0" || st.Failed != 2 {
		t.Fatalf("status = %+v", st)
	}
	var created []*corev1.Pod
	for _, a := range f.client.Actions() {
		if a.GetVerb() == "create" {
			created = append(created, a.(k8stesting.CreateAction).GetObject().(*corev1.Pod))
		}
	}
	if len(created) != 1 || podIndex(created[0]) != 1 || created[0].Annotations[batchv1.JobIndexFailureCountAnnotation] != "1" {
		t.Fatalf("want index 1 retried with one failure, created %d pods", len(created))
	}
}

func TestIndexFailure(t *testing.T) {
	job := newJob("idx", 3, 3)
	job.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	job.Spec.BackoffLimitPerIndex = ptr.To[int32](0)
	job.Status.FailedIndexes = ptr.To("1")
	job.Status.CompletedIndexes = "0"
	if reason, _ := indexFailure(job); reason != "" {
		t.Fatalf("index 2 still runs, got %s", reason)
	}
	job.Status.CompletedIndexes = "0,2"
	if reason, msg := indexFailure(job); reason != "FailedIndexes" || msg != "Job has failed indexes" {
		t.Fatalf("all finished: %s %s", reason, msg)
	}
	job.Spec.MaxFailedIndexes = ptr.To[int32](0)
	if reason, _ := indexFailure(job); reason != "MaxFailedIndexesExceeded" {
		t.Fatalf("max exceeded: %s", reason)
	}
}
