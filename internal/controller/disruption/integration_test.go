package disruption_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/controller/disruption"
	"github.com/bosun-dev/bosun/internal/testenv"
)

func TestIntegrationBudgetGatesEviction(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	cs := env.Client
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory := informers.NewSharedInformerFactory(cs, 0)
	c := disruption.New(cs, factory, record.NewFakeRecorder(100), disruption.Options{})
	factory.Start(ctx.Done())
	go c.Run(ctx, 1)

	for _, name := range []string{"a", "b"} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}
		created, err := cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created.Status.Phase = corev1.PodRunning
		created.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		if _, err := cs.CoreV1().Pods("default").UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	one := intstr.FromInt32(1)
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
	if _, err := cs.PolicyV1().PodDisruptionBudgets("default").Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitStatus := func(ok func(policyv1.PodDisruptionBudgetStatus) bool) {
		t.Helper()
		var last policyv1.PodDisruptionBudgetStatus
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
			got, err := cs.PolicyV1().PodDisruptionBudgets("default").Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			last = got.Status
			return got.Status.ObservedGeneration == got.Generation && ok(got.Status), nil
		})
		if err != nil {
			t.Fatalf("budget status never matched; last %+v", last)
		}
	}
	waitStatus(func(s policyv1.PodDisruptionBudgetStatus) bool {
		return s.CurrentHealthy == 2 && s.DesiredHealthy == 1 && s.ExpectedPods == 2 && s.DisruptionsAllowed == 1
	})

	evict := func(name string) error {
		return cs.CoreV1().Pods("default").EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}})
	}
	if err := evict("a"); err != nil {
		t.Fatalf("first eviction: %v", err)
	}
	// Once the budget has caught up, the last healthy pod is protected.
	waitStatus(func(s policyv1.PodDisruptionBudgetStatus) bool {
		return s.CurrentHealthy == 1 && s.DisruptionsAllowed == 0
	})
	if err := evict("b"); !apierrors.IsTooManyRequests(err) {
		t.Fatalf("second eviction = %v, want 429", err)
	}
}
