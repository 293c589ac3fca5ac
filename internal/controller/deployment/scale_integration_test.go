package deployment_test

import (
	"context"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestRolloutAtScale rolls a large Deployment to a new image with 25%
// surge and checks it completes: 200 replicas, or 1,000 with
// BOSUN_SCALE_TEST=full. How fast is bench/controlplane's figure.
func TestRolloutAtScale(t *testing.T) {
	n := int32(200)
	if os.Getenv("BOSUN_SCALE_TEST") == "full" {
		n = 1000
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	client := env.Client
	startControllers(ctx, t, client)
	fakeKubelet(ctx, t, client, "default")

	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &n,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "big"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "big"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img:1"}}},
			},
		},
	}
	deployments := client.AppsV1().Deployments("default")
	start := time.Now()
	if _, err := deployments.Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDone := func(what string) time.Duration {
		t.Helper()
		begin := time.Now()
		for time.Since(begin) < 3*time.Minute {
			cur, err := deployments.Get(ctx, "big", metav1.GetOptions{})
			if err == nil {
				s := cur.Status
				if s.ObservedGeneration >= cur.Generation && s.UpdatedReplicas == n && s.Replicas == n && s.AvailableReplicas == n {
					return time.Since(begin)
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s did not finish", what)
		return 0
	}
	waitDone("initial rollout")
	t.Logf("%d replicas ready after %v", n, time.Since(start))

	cur, err := deployments.Get(ctx, "big", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Spec.Template.Spec.Containers[0].Image = "img:2"
	if _, err := deployments.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	took := waitDone("rollout to img:2")
	t.Logf("rolled %d replicas to a new image in %v", n, took)
}
