package controlplane

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bosun-dev/bosun/internal/server"
	"github.com/bosun-dev/bosun/internal/sim"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// cluster is a server with every component and nodes simulated beside it.
type cluster struct {
	env   *testenv.Env
	c     kubernetes.Interface
	nodes []string
}

// newCluster starts a server (node grace period grace) and n sim nodes that
// renew their Leases every second.
func newCluster(t *testing.T, n int, grace time.Duration) *cluster {
	t.Helper()
	env := testenv.StartWith(t, testenv.Options{Components: server.AllComponents, NodeMonitorGracePeriod: grace})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	prefix := "n-"
	go func() {
		done <- sim.Run(ctx, env.Config, sim.Options{Nodes: n, NamePrefix: prefix, LeaseInterval: time.Second,
			StopDelay: 100 * time.Millisecond, Out: io.Discard})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && ctx.Err() == nil {
			t.Errorf("sim: %v", err)
		}
	})
	cl := &cluster{env: env, c: env.Client}
	for i := range n {
		cl.nodes = append(cl.nodes, fmt.Sprintf("%s%d", prefix, i))
	}
	cl.poll(t, 30*time.Second, "nodes Ready", func(ctx context.Context) (bool, error) {
		list, err := cl.c.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		ready := 0
		for _, node := range list.Items {
			for _, c := range node.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready == n, nil
	})
	return cl
}

// poll checks cond every 100 ms until it holds or timeout passes.
func (cl *cluster) poll(t *testing.T, timeout time.Duration, what string, cond func(context.Context) (bool, error)) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ok, err := cond(ctx)
		if ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s (last error: %v)", what, timeout, last)
}

func (cl *cluster) namespace(t *testing.T, name string) string {
	t.Helper()
	if _, err := cl.c.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return name
}
