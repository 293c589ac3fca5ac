package podgc

import (
	"context"
	"fmt"
	"log/slog"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// victim is a pod to force-delete and why.
type victim struct {
	pod *corev1.Pod
	why string
	// condition, when set, is recorded on the pod before it goes.
	condition *corev1.PodCondition
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// terminated picks the oldest terminated pods beyond the threshold.
func (c *Controller) terminated(pods []*corev1.Pod) []victim {
	if c.opts.TerminatedPodThreshold < 0 {
		return nil
	}
	var done []*corev1.Pod
	for _, p := range pods {
		if terminal(p) && p.DeletionTimestamp == nil {
			done = append(done, p)
		}
	}
	excess := len(done) - c.opts.TerminatedPodThreshold
	if excess <= 0 {
		return nil
	}
	sort.SliceStable(done, func(i, j int) bool {
		return done[i].CreationTimestamp.Before(&done[j].CreationTimestamp)
	})
	out := make([]victim, 0, excess)
	for _, p := range done[:excess] {
		out = append(out, victim{pod: p, why: "over the terminated pod threshold"})
	}
	return out
}

// orphaned picks pods bound to nodes missing for longer than the
// quarantine and confirmed gone by a live read (the informer may lag).
func (c *Controller) orphaned(ctx context.Context, pods []*corev1.Pod, nodes map[string]*corev1.Node) []victim {
	now := c.opts.Clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for name := range c.missing {
		if nodes[name] != nil {
			delete(c.missing, name)
		}
	}
	gone := map[string]bool{}
	var out []victim
	for _, p := range pods {
		name := p.Spec.NodeName
		if name == "" || nodes[name] != nil {
			continue
		}
		since, ok := c.missing[name]
		if !ok {
			c.missing[name] = now
			continue
		}
		if now.Sub(since) < c.opts.Quarantine {
			continue
		}
		if _, checked := gone[name]; !checked {
			_, err := c.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			gone[name] = apierrors.IsNotFound(err)
		}
		if gone[name] {
			out = append(out, victim{pod: p, why: "bound to a node that no longer exists", condition: &corev1.PodCondition{
				Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
				Reason: "DeletionByPodGC", Message: "PodGC: node no longer exists"}})
		}
	}
	return out
}

// outOfService: a NotReady node an administrator declared shut down, whose
// pods will never be confirmed deleted by their kubelet.
func outOfService(n *corev1.Node) bool {
	ready := false
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			ready = c.Status == corev1.ConditionTrue
		}
	}
	if ready {
		return false
	}
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeOutOfService {
			return true
		}
	}
	return false
}

// delete marks a live pod Failed, then force-deletes it.
func (c *Controller) delete(ctx context.Context, v victim) error {
	key := v.pod.Namespace + "/" + v.pod.Name
	if !terminal(v.pod) {
		pod := v.pod.DeepCopy()
		pod.Status.Phase = corev1.PodFailed
		if v.condition != nil {
			cond := *v.condition
			cond.LastTransitionTime = metav1.NewTime(c.opts.Clock.Now())
			pod.Status.Conditions = append(pod.Status.Conditions, cond)
		}
		if _, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("mark pod %s failed: %w", key, err)
		}
	}
	err := c.client.CoreV1().Pods(v.pod.Namespace).Delete(ctx, v.pod.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("force delete pod %s: %w", key, err)
	}
	slog.Info("Collected pod", "pod", key, "reason", v.why)
	return nil
}
