package nodelifecycle

import (
	"context"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// sync judges one node's health and writes what follows from it: taints
// (spec) first, then the Unknown conditions (status) last.
func (c *Controller) sync(ctx context.Context, name string) error {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(name)
		return nil
	}
	if err != nil {
		return err
	}
	lease, err := c.leases.Leases(corev1.NamespaceNodeLease).Get(name)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	now := c.opts.Clock.Now()
	p, first := c.probe(name)
	observe(&p, node, lease, now)
	// The observation stands even if a write below fails and is retried.
	c.save(name, p)
	if first {
		c.recorder.Eventf(node, corev1.EventTypeNormal, "RegisteredNode", "Node %s event: Registered Node %s in Controller", name, name)
	}

	node = node.DeepCopy()
	statusChanged := false
	if stale(p, now, c.opts.NodeMonitorGracePeriod) {
		statusChanged = markUnknown(&node.Status, now)
	} else {
		// Recheck the moment the grace period would run out.
		c.queue.AddAfter(name, staleAt(p, c.opts.NodeMonitorGracePeriod).Sub(now)+1)
	}
	ready := corev1.ConditionUnknown
	if rc := condition(node, corev1.NodeReady); rc != nil {
		ready = rc.Status
	}
	if p.ready == corev1.ConditionTrue && ready != corev1.ConditionTrue {
		c.recorder.Eventf(node, corev1.EventTypeNormal, "NodeNotReady", "Node %s status is now: %s", name, "NodeNotReady")
		slog.Info("Node not ready", "node", name, "ready", ready)
		if err := c.markPodsNotReady(ctx, name); err != nil {
			return err
		}
	}

	if taints, changed := reconcileTaints(node.Spec.Taints, wantTaints(node.Spec, node.Status), now); changed {
		node.Spec.Taints = taints
		updated, err := c.client.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{})
		if err != nil {
			return fmt.Errorf("update taints of node %s: %w", name, err)
		}
		slog.Info("Node taints updated", "node", name, "taints", len(taints))
		updated.Status = node.Status
		node = updated
	}
	if statusChanged {
		if _, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("mark node %s unknown: %w", name, err)
		}
		slog.Info("Node stopped posting status", "node", name, "gracePeriod", c.opts.NodeMonitorGracePeriod)
	}
	p.ready = ready
	c.save(name, p)
	return nil
}

// markPodsNotReady flips the Ready condition of the node's pods to False,
// so endpoints stop sending them traffic before any eviction.
func (c *Controller) markPodsNotReady(ctx context.Context, nodeName string) error {
	objs, err := c.pods.ByIndex(byNode, nodeName)
	if err != nil {
		return err
	}
	now := metav1.NewTime(c.opts.Clock.Now())
	for _, obj := range objs {
		pod := obj.(*corev1.Pod)
		i := podCondition(pod, corev1.PodReady)
		if i < 0 || pod.Status.Conditions[i].Status == corev1.ConditionFalse {
			continue
		}
		pod = pod.DeepCopy()
		pod.Status.Conditions[i].Status, pod.Status.Conditions[i].LastTransitionTime = corev1.ConditionFalse, now
		_, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("mark pod %s/%s not ready: %w", pod.Namespace, pod.Name, err)
		}
	}
	return nil
}

func podCondition(pod *corev1.Pod, t corev1.PodConditionType) int {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return i
		}
	}
	return -1
}

func (c *Controller) probe(name string) (probe, bool) {
	c.probesMu.Lock()
	defer c.probesMu.Unlock()
	p, ok := c.probes[name]
	if !ok {
		return probe{}, true
	}
	return *p, false
}

func (c *Controller) save(name string, p probe) {
	c.probesMu.Lock()
	defer c.probesMu.Unlock()
	c.probes[name] = &p
}

func (c *Controller) forget(name string) {
	c.probesMu.Lock()
	defer c.probesMu.Unlock()
	delete(c.probes, name)
}
