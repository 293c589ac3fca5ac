package cronjob_test

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/bosun-dev/bosun/internal/controller/cronjob"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestIntegrationCronJobStartsRun runs the controller against a real server
// with its clock two minutes ahead, so a run is due at once: the job it
// creates must pass the server's validation and show in status.active.
func TestIntegrationCronJobStartsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := env.Client
	factory := informers.NewSharedInformerFactory(client, 0)
	c := cronjob.New(client, factory, record.NewFakeRecorder(100), cronjob.Options{Clock: clocktesting.NewFakeClock(time.Now().Add(2 * time.Minute))})
	factory.Start(ctx.Done())
	go c.Run(ctx, 1)

	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default"},
		Spec: batchv1.CronJobSpec{Schedule: "* * * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyOnFailure,
				Containers: []corev1.Container{{Name: "hello", Image: "busybox"}}}}}}},
	}
	if _, err := client.BatchV1().CronJobs("default").Create(ctx, cj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		cj, err := client.BatchV1().CronJobs("default").Get(ctx, "hello", metav1.GetOptions{})
		return err == nil && len(cj.Status.Active) == 1 && cj.Status.LastScheduleTime != nil, nil
	})
	if err != nil {
		t.Fatalf("cronjob never started a run: %v", err)
	}
	jobs, err := client.BatchV1().Jobs("default").List(ctx, metav1.ListOptions{})
	if err != nil || len(jobs.Items) != 1 {
		t.Fatalf("jobs = %v %v", jobs, err)
	}
	job := jobs.Items[0]
	if job.Annotations[batchv1.CronJobScheduledTimestampAnnotation] == "" || metav1.GetControllerOf(&job).Name != "hello" {
		t.Fatalf("job = %+v", job.ObjectMeta)
	}
}
