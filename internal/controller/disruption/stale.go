package disruption

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// StalePodDisruptionTimeout is how long a pod may carry DisruptionTarget
// without being deleted before the condition is withdrawn, as in Kubernetes:
// whoever meant to disrupt it (an eviction, preemption) gave up.
const StalePodDisruptionTimeout = 2 * time.Minute

// staleDisruption reports whether a live pod carries DisruptionTarget=True
// and how long until that condition counts as stale (<= 0: now).
func staleDisruption(pod *corev1.Pod, now time.Time) (bool, time.Duration) {
	if pod.DeletionTimestamp != nil {
		return false, 0
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue {
			return true, c.LastTransitionTime.Add(StalePodDisruptionTimeout).Sub(now)
		}
	}
	return false, 0
}

func (c *Controller) enqueueStale(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if has, in := staleDisruption(pod, c.clock.Now()); has {
		c.stale.AddAfter(pod.Namespace+"/"+pod.Name, max(in, 0))
	}
}

// syncStale sets a stale DisruptionTarget condition to False.
func (c *Controller) syncStale(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	now := c.clock.Now()
	has, in := staleDisruption(pod, now)
	if !has {
		return nil
	}
	if in > 0 {
		c.stale.AddAfter(key, in)
		return nil
	}
	pod = pod.DeepCopy()
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.DisruptionTarget {
			pod.Status.Conditions[i] = corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionFalse,
				LastTransitionTime: metav1.NewTime(now)}
		}
	}
	if _, err := c.client.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reset stale DisruptionTarget of pod %s: %w", key, err)
	}
	slog.Info("Reset stale DisruptionTarget condition", "pod", key)
	return nil
}
