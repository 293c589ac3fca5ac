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

// TestIntegrationJobCompletes runs the controller against a real server:
// the API server defaults the selector, the controller creates pods with
// the tracking finalizer, and pods that succeed complete the job.
func TestIntegrationJobCompletes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := env.Client
	factory := informers.NewSharedInformerFactory(client, 0)
	c := job.New(client, factory, record.NewFakeRecorder(100), job.Options{BackoffBase: 100 * time.Millisecond})
	factory.Start(ctx.Done())
	go c.Run(ctx, 2)

	pi := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default"},
		Spec: batchv1.JobSpec{Completions: ptr.To[int32](2), Parallelism: ptr.To[int32](2),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{Name: "pi", Image: "perl"}}}}},
	}
	pi, err := client.BatchV1().Jobs("default").Create(ctx, pi, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Spec.Selector == nil || pi.Spec.Template.Labels["batch.kubernetes.io/job-name"] != "pi" {
		t.Fatalf("server did not default selector and labels: %+v", pi.Spec)
	}
	pods := waitPods(t, client, 2)
	for _, p := range pods {
		if !tracked(&p) {
			t.Fatalf("pod %s lacks the tracking finalizer", p.Name)
		}
		p.Status.Phase = corev1.PodSucceeded
		if _, err := client.CoreV1().Pods("default").UpdateStatus(ctx, &p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		pi, err = client.BatchV1().Jobs("default").Get(ctx, "pi", metav1.GetOptions{})
		return err == nil && complete(pi), nil
	})
	if err != nil || pi.Status.Succeeded != 2 || pi.Status.CompletionTime == nil {
		t.Fatalf("job did not complete: %v %+v", err, pi.Status)
	}
	for _, p := range waitPods(t, client, 2) {
		if tracked(&p) {
			t.Fatalf("pod %s kept the tracking finalizer after completion", p.Name)
		}
	}
}

func waitPods(t *testing.T, client kubernetes.Interface, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		list, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		pods = list.Items
		return len(pods) == n, nil
	})
	if err != nil {
		t.Fatalf("want %d pods, have %d: %v", n, len(pods), err)
	}
	return pods
}

func complete(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func tracked(p *corev1.Pod) bool {
	return slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer)
}
