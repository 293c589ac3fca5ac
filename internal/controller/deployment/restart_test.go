package deployment_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bosun-dev/bosun/internal/server"
)

// runServer runs an API server on a fixed port, so clients survive its
// restart, and returns a function that stops it.
func runServer(t *testing.T, dataDir string, port int) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	cfg := server.Config{DataDir: dataDir, BindAddress: "127.0.0.1", SecurePort: port, Ready: ready,
		Components: []string{server.ComponentAPIServer}, DisableAdmissionPlugins: []string{"ServiceAccount"}}
	go func() { done <- server.Run(ctx, cfg) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("server exited before ready: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server not ready after 30 s")
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("server did not stop within 20 s")
		}
	}
	t.Cleanup(stop)
	return stop
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestNoDuplicatePodsAcrossServerRestart stops the API server while a
// ReplicaSet is creating pods: creates in flight fail or succeed unseen,
// watches break, and after the restart the informers relist. The
// controllers must converge on exactly spec.replicas pods.
func TestNoDuplicatePodsAcrossServerRestart(t *testing.T) {
	dataDir, port := t.TempDir(), freePort(t)
	stop := runServer(t, dataDir, port)
	rc, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dataDir, "admin.kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	rc.QPS, rc.Burst = 1000, 2000
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	startControllers(ctx, t, client)

	n := int32(300)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &n,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img"}}},
			},
		},
	}
	if _, err := client.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	count := func() (int, error) {
		pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return 0, err
		}
		return len(pods.Items), nil
	}
	eventually(t, "creation under way", func() (bool, string) {
		c, err := count()
		return err == nil && c >= 30, fmt.Sprint(c, err)
	})
	stop()
	time.Sleep(500 * time.Millisecond)
	runServer(t, dataDir, port)

	eventually(t, "all pods after restart", func() (bool, string) {
		c, err := count()
		return err == nil && c >= int(n), fmt.Sprint(c, err)
	})
	// Give a duplicate time to appear before counting for good.
	time.Sleep(2 * time.Second)
	if c, err := count(); err != nil || c != int(n) {
		t.Fatalf("%d pods after restart (err %v), want exactly %d", c, err, n)
	}
}
