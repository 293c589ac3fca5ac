package nodelifecycle_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/controller/nodelifecycle"
	"github.com/bosun-dev/bosun/internal/controller/tainteviction"
	"github.com/bosun-dev/bosun/internal/sim"
	"github.com/bosun-dev/bosun/internal/testenv"
)

func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestFailedSimNode fails a sim node under a 2s grace period and follows
// it: Unknown conditions, unreachable taints, eviction of a pod tolerating
// 1s (left Terminating, as its kubelet is dead), then healing.
func TestFailedSimNode(t *testing.T) {
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	simDone := make(chan error, 1)
	go func() {
		simDone <- sim.Run(ctx, env.Config, sim.Options{Nodes: 2, LeaseInterval: 300 * time.Millisecond, StopDelay: 100 * time.Millisecond})
	}()
	c := env.Client
	poll(t, "sim nodes", func() bool {
		l, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		return err == nil && len(l.Items) == 2
	})

	factory := informers.NewSharedInformerFactory(c, 0)
	recorder := record.NewFakeRecorder(1000)
	nlc := nodelifecycle.New(c, factory, recorder, nodelifecycle.Options{NodeMonitorGracePeriod: 2 * time.Second, NodeMonitorPeriod: 500 * time.Millisecond})
	tec := tainteviction.New(c, factory, recorder, tainteviction.Options{})
	factory.Start(ctx.Done())
	go nlc.Run(ctx, 2)
	go tec.Run(ctx, 2)

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: "sim-1", Containers: []corev1.Container{{Name: "nginx", Image: "nginx"}},
			Tolerations: []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists,
				Effect: corev1.TaintEffectNoExecute, TolerationSeconds: new(int64(1))}}},
	}
	if _, err := c.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "pod running", func() bool {
		p, err := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning
	})
	// Healthy nodes stay healthy over more than a grace period.
	time.Sleep(2500 * time.Millisecond)
	if n := node(t, c, "sim-1"); ready(n) != corev1.ConditionTrue || len(n.Spec.Taints) != 0 {
		t.Fatalf("a live sim node was judged: ready %s, taints %v", ready(n), n.Spec.Taints)
	}

	setFail(t, c, "sim-1", `"true"`)
	poll(t, "sim-1 Unknown and unreachable", func() bool {
		n := node(t, c, "sim-1")
		return ready(n) == corev1.ConditionUnknown && hasTaint(n, corev1.TaintEffectNoExecute) && hasTaint(n, corev1.TaintEffectNoSchedule)
	})
	poll(t, "pod evicted", func() bool {
		p, err := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil || p.DeletionTimestamp == nil {
			return false
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.DisruptionTarget && cond.Reason == "DeletionByTaintManager" {
				return true
			}
		}
		return false
	})
	if n := node(t, c, "sim-0"); ready(n) != corev1.ConditionTrue || len(n.Spec.Taints) != 0 {
		t.Fatalf("the live node was judged too: ready %s, taints %v", ready(n), n.Spec.Taints)
	}

	setFail(t, c, "sim-1", "null")
	poll(t, "sim-1 healed and untainted", func() bool {
		n := node(t, c, "sim-1")
		return ready(n) == corev1.ConditionTrue && len(n.Spec.Taints) == 0
	})
	poll(t, "evicted pod confirmed deleted by the healed node", func() bool {
		_, err := c.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	cancel()
	if err := <-simDone; err != nil {
		t.Fatalf("sim: %v", err)
	}
}

func node(t *testing.T, c kubernetes.Interface, name string) *corev1.Node {
	t.Helper()
	n, err := c.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func setFail(t *testing.T, c kubernetes.Interface, name, value string) {
	t.Helper()
	patch := []byte(`{"metadata":{"annotations":{"` + sim.AnnotationFail + `":` + value + `}}}`)
	if _, err := c.CoreV1().Nodes().Patch(context.Background(), name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

func ready(n *corev1.Node) corev1.ConditionStatus {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return ""
}

func hasTaint(n *corev1.Node, effect corev1.TaintEffect) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeUnreachable && t.Effect == effect && t.TimeAdded != nil {
			return true
		}
	}
	return false
}
