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

// TestCreate10000 times 100 Deployments of 100 replicas from first create
// to 10,000 pods existing (not scheduled: that is the scheduler's part).
// It runs only when BOSUN_SCALE_TEST is set.
func TestCreate10000(t *testing.T) {
	if os.Getenv("BOSUN_SCALE_TEST") == "" {
		t.Skip("set BOSUN_SCALE_TEST=1 to run")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	client := env.Client
	startControllers(ctx, t, client)

	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := int32(100)
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
		if err == nil && len(pods.Items) >= 10000 {
			took := time.Since(start)
			t.Logf("10,000 pods created in %v (%.0f pods/s); %d total", took, 10000/took.Seconds(), len(pods.Items))
			if len(pods.Items) != 10000 {
				t.Errorf("%d pods, want exactly 10000", len(pods.Items))
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("10,000 pods not created within 5 minutes")
}
