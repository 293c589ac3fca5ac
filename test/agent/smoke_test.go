package agent_test

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/bosun-dev/bosun/internal/podstatus"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestPodRunsAndStops runs a real container through the server's agent:
// scheduled, started, Ready with an IP, then deleted gracefully.
func TestPodRunsAndStops(t *testing.T) {
	env := testenv.StartWith(t, testenv.Options{Agent: true})
	image := env.Busybox(t)
	ctx := context.Background()
	pods := env.Client.CoreV1().Pods("default")
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "hello"},
		Spec: v1.PodSpec{Containers: []v1.Container{{
			Name: "c", Image: image, ImagePullPolicy: v1.PullIfNotPresent,
			Command: []string{"sh", "-c", "trap 'exit 0' TERM; echo hi; sleep 3600 & wait"},
		}}},
	}
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var got *v1.Pod
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := pods.Get(ctx, "hello", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		got = p
		return podstatus.Ready(p), nil
	})
	if err != nil {
		t.Fatalf("pod not Ready: %v; status %+v", err, got.Status)
	}
	if got.Spec.NodeName != env.NodeName || got.Status.PodIP == "" {
		t.Fatalf("node %q, pod IP %q", got.Spec.NodeName, got.Status.PodIP)
	}
	if err := pods.Delete(ctx, "hello", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := pods.Get(ctx, "hello", metav1.GetOptions{})
		return err != nil, nil
	})
	if err != nil {
		t.Fatal("pod not removed after a graceful delete of a container that exits on SIGTERM")
	}
}
