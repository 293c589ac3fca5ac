package job_test

import (
	"context"
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/controller/job"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestIntegration runs the controller against a real server, which
// defaults selectors and validates every status the controller writes.
func TestIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := env.Client
	factory := informers.NewSharedInformerFactory(client, 0)
	c := job.New(client, factory, record.NewFakeRecorder(1000), job.Options{BackoffBase: 100 * time.Millisecond})
	factory.Start(ctx.Done())
	go c.Run(ctx, 2)

	t.Run("completes", func(t *testing.T) {
		pi := create(ctx, t, client, "pi", 2, nil)
		if pi.Spec.Selector == nil || pi.Spec.Template.Labels["batch.kubernetes.io/job-name"] != "pi" {
			t.Fatalf("server did not default selector and labels: %+v", pi.Spec)
		}
		for _, p := range waitPods(ctx, t, client, "pi", 2) {
			if !tracked(&p) {
				t.Fatalf("pod %s lacks the tracking finalizer", p.Name)
			}
			finish(ctx, t, client, p, corev1.PodSucceeded)
		}
		pi = waitCondition(ctx, t, client, "pi", batchv1.JobComplete)
		if pi.Status.Succeeded != 2 || pi.Status.CompletionTime == nil {
			t.Fatalf("status = %+v", pi.Status)
		}
		for _, p := range waitPods(ctx, t, client, "pi", 2) {
			if tracked(&p) {
				t.Fatalf("pod %s kept the tracking finalizer after completion", p.Name)
			}
		}
	})

	t.Run("indexed", func(t *testing.T) {
		create(ctx, t, client, "idx", 3, ptr.To(batchv1.IndexedCompletion))
		for _, p := range waitPods(ctx, t, client, "idx", 3) {
			finish(ctx, t, client, p, corev1.PodSucceeded)
		}
		idx := waitCondition(ctx, t, client, "idx", batchv1.JobComplete)
		if idx.Status.CompletedIndexes != "0-2" || idx.Status.Succeeded != 3 {
			t.Fatalf("status = %+v", idx.Status)
		}
	})

	t.Run("backoff limit", func(t *testing.T) {
		create(ctx, t, client, "fail", 1, nil, func(j *batchv1.Job) { j.Spec.BackoffLimit = ptr.To[int32](1) })
		for n := 1; n <= 2; n++ {
			for _, p := range waitPods(ctx, t, client, "fail", n) {
				if p.Status.Phase == corev1.PodPending {
					finish(ctx, t, client, p, corev1.PodFailed)
				}
			}
		}
		j := waitCondition(ctx, t, client, "fail", batchv1.JobFailed)
		if j.Status.Failed != 2 || j.Status.Active != 0 {
			t.Fatalf("status = %+v", j.Status)
		}
	})
}

func create(ctx context.Context, t *testing.T, client kubernetes.Interface, name string, n int32, mode *batchv1.CompletionMode, edits ...func(*batchv1.Job)) *batchv1.Job {
	t.Helper()
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: batchv1.JobSpec{Completions: ptr.To(n), Parallelism: ptr.To(n), CompletionMode: mode,
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{Name: "main", Image: "busybox"}}}}},
	}
	for _, edit := range edits {
		edit(j)
	}
	j, err := client.BatchV1().Jobs("default").Create(ctx, j, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// finish plays kubelet: the pod ran and ended in phase.
func finish(ctx context.Context, t *testing.T, client kubernetes.Interface, p corev1.Pod, phase corev1.PodPhase) {
	t.Helper()
	code := int32(0)
	if phase == corev1.PodFailed {
		code = 1
	}
	p.Status.Phase = phase
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: code, FinishedAt: metav1.Now()}}}}
	if _, err := client.CoreV1().Pods("default").UpdateStatus(ctx, &p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func waitCondition(ctx context.Context, t *testing.T, client kubernetes.Interface, name string, want batchv1.JobConditionType) *batchv1.Job {
	t.Helper()
	var j *batchv1.Job
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		var err error
		j, err = client.BatchV1().Jobs("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range j.Status.Conditions {
			if c.Type == want && c.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("job %s never %s: %+v", name, want, j.Status)
	}
	return j
}

func waitPods(ctx context.Context, t *testing.T, client kubernetes.Interface, job string, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		list, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
		if err != nil {
			return false, nil
		}
		pods = list.Items
		return len(pods) == n, nil
	})
	if err != nil {
		t.Fatalf("want %d pods of %s, have %d", n, job, len(pods))
	}
	return pods
}

func tracked(p *corev1.Pod) bool {
	return slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer)
}
