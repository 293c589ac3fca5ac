package tainteviction

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

// sync evicts a pod when its node's NoExecute taints say so, or schedules
// a look for when they will.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.stopWaiting(key)
		return nil
	}
	if err != nil {
		return err
	}
	if pod.DeletionTimestamp != nil || pod.Spec.NodeName == "" {
		c.stopWaiting(key)
		return nil
	}
	node, err := c.nodes.Get(pod.Spec.NodeName)
	if apierrors.IsNotFound(err) {
		// Pods of vanished nodes are the pod garbage collector's.
		c.cancel(pod, key)
		return nil
	}
	if err != nil {
		return err
	}
	if !noExecute(node.Spec.Taints) {
		c.cancel(pod, key)
		return nil
	}
	now := c.clock.Now()
	v := decide(pod.Spec.Tolerations, node.Spec.Taints, c.since(key, now))
	if !v.evict {
		c.cancel(pod, key)
		return nil
	}
	if wait := v.at.Sub(now); wait > 0 {
		c.wait(key, now)
		c.queue.AddAfter(key, wait)
		return nil
	}
	return c.evict(ctx, pod, key)
}

// evict marks the pod as disrupted and deletes it with its own grace
// period, so its controller replaces it while it terminates.
func (c *Controller) evict(ctx context.Context, pod *corev1.Pod, key string) error {
	c.recorder.Eventf(pod, corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s", key)
	pod = pod.DeepCopy()
	cond := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
		Reason: "DeletionByTaintManager", Message: "Taint manager: deleting due to NoExecute taint",
		LastTransitionTime: metav1.NewTime(c.clock.Now())}
	replaced := false
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == cond.Type {
			pod.Status.Conditions[i], replaced = cond, true
		}
	}
	if !replaced {
		pod.Status.Conditions = append(pod.Status.Conditions, cond)
	}
	_, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		c.stopWaiting(key)
		return nil
	}
	if err != nil {
		return fmt.Errorf("mark pod %s as disrupted: %w", key, err)
	}
	err = c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		Preconditions: metav1.NewUIDPreconditions(string(pod.UID))})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("evict pod %s: %w", key, err)
	}
	slog.Info("Evicted pod from tainted node", "pod", key, "node", pod.Spec.NodeName)
	c.stopWaiting(key)
	return nil
}

// since is when the pod's eviction was first scheduled (now if it is
// not), the start for taints that carry no timeAdded.
func (c *Controller) since(key string, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.waiting[key]; ok {
		return t
	}
	return now
}

func (c *Controller) wait(key string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.waiting[key]; !ok {
		c.waiting[key] = now
	}
}

// cancel drops a scheduled eviction the pod no longer faces.
func (c *Controller) cancel(pod *corev1.Pod, key string) {
	if c.stopWaiting(key) {
		c.recorder.Eventf(pod, corev1.EventTypeNormal, "TaintManagerEviction", "Cancelling deletion of Pod %s", key)
	}
}

func (c *Controller) stopWaiting(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.waiting[key]
	delete(c.waiting, key)
	return ok
}
