package sim

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/bosun-dev/bosun/internal/testenv"
)

// syncBuffer lets the test read progress while Run writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func poll(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (last error %v)", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSimAgainstServer(t *testing.T) {
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, env.Config, Options{Nodes: 3, LeaseInterval: 200 * time.Millisecond, StopDelay: 300 * time.Millisecond, Cleanup: true, Out: out})
	}()
	c := env.Client
	poll(t, "sim running", func() (bool, error) { return strings.Contains(out.String(), "running 3 nodes"), nil })

	node, err := c.CoreV1().Nodes().Get(ctx, "sim-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if node.Labels[corev1.LabelTopologyZone] != "sim-b" || node.Status.NodeInfo.KubeletVersion == "" || node.Status.Addresses[0].Address != "100.64.0.2" {
		t.Fatalf("node as registered: labels %v, nodeInfo %+v, addresses %v", node.Labels, node.Status.NodeInfo, node.Status.Addresses)
	}

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       corev1.PodSpec{NodeName: "sim-1", Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.25"}}},
	}
	if _, err := c.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "pod Running and Ready", func() (bool, error) {
		p, err := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return p.Status.Phase == corev1.PodRunning && isReady(p) && strings.HasPrefix(p.Status.PodIP, "10.64.1.") && p.Status.HostIP == "100.64.0.2", nil
	})

	if err := c.CoreV1().Pods("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "pod gone", func() (bool, error) {
		_, err := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})

	patch := []byte(`{"metadata":{"annotations":{"sim.bosun.dev/fail":"true"}}}`)
	if _, err := c.CoreV1().Nodes().Patch(ctx, "sim-2", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	// Once the sim saw the annotation, the failed lease stands still while
	// a live one moves on.
	time.Sleep(500 * time.Millisecond)
	failed0, live0 := renewTime(t, c, "sim-2"), renewTime(t, c, "sim-0")
	poll(t, "live lease renewed", func() (bool, error) { return renewTime(t, c, "sim-0").After(live0), nil })
	time.Sleep(500 * time.Millisecond)
	if got := renewTime(t, c, "sim-2"); !got.Equal(failed0) {
		t.Fatalf("failed node's lease renewed: %v → %v", failed0, got)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	nodes, err := c.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil || len(nodes.Items) != 0 {
		t.Fatalf("cleanup left %d nodes (%v)", len(nodes.Items), err)
	}
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func renewTime(t *testing.T, c kubernetes.Interface, node string) time.Time {
	t.Helper()
	l, err := c.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(context.Background(), node, metav1.GetOptions{})
	if err != nil || l.Spec.RenewTime == nil {
		t.Fatalf("lease of %s: %v", node, err)
	}
	return l.Spec.RenewTime.Time
}
