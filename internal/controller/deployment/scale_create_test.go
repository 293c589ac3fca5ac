package deployment_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestCreateAtScale creates many Deployments at once and checks they make
// exactly their pods, no duplicates: 20 of 50 replicas, or 100 of 100 with
// BOSUN_SCALE_TEST=full (pods are not scheduled: that is the scheduler's part).
func TestCreateAtScale(t *testing.T) {
	deployments, replicas := 20, int32(50)
	if os.Getenv("BOSUN_SCALE_TEST") == "full" {
		deployments, replicas = 100, 100
	}
	total := deployments * int(replicas)
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	client := env.Client
	startControllers(ctx, t, client)

	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < deployments; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := replicas
			name := fmt.Sprintf("d%03d", i)
			d := &appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
				Spec: appsv1.DeploymentSpec{
					Replicas: &n,
					Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
						Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img"}}},
					},
				},
			}
			if _, err := client.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for time.Since(start) < 5*time.Minute {
		pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err == nil && len(pods.Items) >= total {
			took := time.Since(start)
			t.Logf("%d pods created in %v (%.0f pods/s)", total, took, float64(total)/took.Seconds())
			// Give a duplicate-creating controller time to show itself.
			time.Sleep(2 * time.Second)
			pods, err = client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(pods.Items) != total {
				t.Errorf("%d pods, want exactly %d", len(pods.Items), total)
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%d pods not created within 5 minutes", total)
}
