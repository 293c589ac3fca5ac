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

// TestRollout1000 times a 1,000-replica rollout to a new image with 25%
// surge. It loads the machine for a while, so it runs only when
// BOSUN_SCALE_TEST is set.
func TestRollout1000(t *testing.T) {
	if os.Getenv("BOSUN_SCALE_TEST") == "" {
		t.Skip("set BOSUN_SCALE_TEST=1 to run")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	client := env.Client
	startControllers(ctx, t, client)
	fakeKubelet(ctx, t, client, "default")

	n := int32(1000)
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
	t.Logf("1000 replicas ready after %v", time.Since(start))

	cur, err := deployments.Get(ctx, "big", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Spec.Template.Spec.Containers[0].Image = "img:2"
	if _, err := deployments.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	took := waitDone("rollout to img:2")
	t.Logf("rolled 1000 replicas to a new image in %v", took)
	if took > 30*time.Second {
		t.Errorf("rollout took %v, want under 30s", took)
	}
}
