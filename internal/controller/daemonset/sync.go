package daemonset

import (
	"context"
	"errors"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/controller/history"
)

// sync places one DaemonSet's pods on its nodes and records its status.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	shared, err := c.sets.DaemonSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.Forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	if shared.DeletionTimestamp != nil {
		return nil
	}
	ds := shared.DeepCopy()
	revs, err := c.history.Sync(ctx, ds, controllerKind, &ds.Spec.Template, "", ds.Status.CollisionCount)
	if err != nil {
		return err
	}
	hash := revs.Update.Labels[history.HashLabel]
	nodes, err := c.nodeStates(ds)
	if err != nil {
		return err
	}
	now := c.clock.Now()
	for i := range nodes {
		if wait := c.backoff.waiting(key+"/"+nodes[i].name, now); wait > 0 {
			nodes[i].backingOff = true
			c.queue.AddAfter(key, wait)
		}
	}
	desired := 0
	for _, n := range nodes {
		if n.shouldRun {
			desired++
		}
	}
	var applyErr error
	if c.expect.Satisfied(key, now) {
		template, err := history.Template(revs.Update)
		if err != nil {
			return fmt.Errorf("read revision %s: %w", revs.Update.Name, err)
		}
		applyErr = c.apply(ctx, key, ds, template, hash, plan(nodes, rolloutOf(ds, desired, hash, now)))
	}

	inUse := map[string]bool{}
	for _, r := range revs.All {
		for _, n := range nodes {
			for _, p := range n.pods {
				if updated(p, r.Labels[history.HashLabel]) {
					inUse[r.Name] = true
				}
			}
		}
	}
	truncErr := c.history.Truncate(ctx, revs, ptr.Deref(ds.Spec.RevisionHistoryLimit, 10), inUse)

	ds.Status = computeStatus(ds, nodes, hash, now)
	if revs.CollisionCount > 0 || ds.Status.CollisionCount != nil {
		ds.Status.CollisionCount = ptr.To(revs.CollisionCount)
	}
	if !equality.Semantic.DeepEqual(shared.Status, ds.Status) {
		if _, err := c.client.AppsV1().DaemonSets(ns).UpdateStatus(ctx, ds, metav1.UpdateOptions{}); err != nil {
			return errors.Join(applyErr, truncErr, fmt.Errorf("update status of daemonset %s: %w", key, err))
		}
	}
	if ds.Spec.MinReadySeconds > 0 && ds.Status.NumberReady > ds.Status.NumberAvailable {
		c.queue.AddAfter(key, timeToAvailable(ds, nodes, now))
	}
	return errors.Join(applyErr, truncErr)
}

// nodeStates pairs every node with the DaemonSet's live pods on it.
func (c *Controller) nodeStates(ds *appsv1.DaemonSet) ([]nodeState, error) {
	all, err := c.nodes.List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	byNode := map[string][]*corev1.Pod{}
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err == nil && ds.Spec.Selector != nil {
		pods, err := c.pods.Pods(ds.Namespace).List(sel)
		if err != nil {
			return nil, fmt.Errorf("list pods of daemonset %s/%s: %w", ds.Namespace, ds.Name, err)
		}
		for _, p := range pods {
			if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == ds.UID && p.DeletionTimestamp == nil {
				byNode[nodeOf(p)] = append(byNode[nodeOf(p)], p)
			}
		}
	}
	spec := ds.Spec.Template.Spec.DeepCopy()
	withDaemonTolerations(spec)
	out := make([]nodeState, 0, len(all))
	for _, node := range all {
		pods := byNode[node.Name]
		sort.SliceStable(pods, func(i, j int) bool { return pods[i].CreationTimestamp.Before(&pods[j].CreationTimestamp) })
		run, stay := eligibility(spec, node)
		out = append(out, nodeState{name: node.Name, shouldRun: run, mayStay: stay, pods: pods})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// apply carries out a decision, recording it as Kubernetes does.
func (c *Controller) apply(ctx context.Context, key string, ds *appsv1.DaemonSet, template *corev1.PodTemplateSpec, hash string, d decision) error {
	if len(d.create) == 0 && len(d.remove) == 0 {
		return nil
	}
	c.expect.Expect(key, len(d.create), len(d.remove), c.clock.Now())
	for _, p := range d.failed {
		c.queue.AddAfter(key, c.backoff.failed(key+"/"+nodeOf(p), c.clock.Now()))
		c.recorder.Eventf(ds, corev1.EventTypeWarning, "FailedDaemonPod", "Found failed daemon pod %s/%s on node %s, will try to kill it", p.Namespace, p.Name, nodeOf(p))
	}
	var errs []error
	for _, node := range d.create {
		pod, err := c.client.CoreV1().Pods(ds.Namespace).Create(ctx, newPod(ds, template, node, hash), metav1.CreateOptions{})
		if err != nil {
			c.expect.Observe(key, 1, 0)
			c.recorder.Eventf(ds, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
			errs = append(errs, fmt.Errorf("create daemon pod on %s: %w", node, err))
			continue
		}
		c.recorder.Eventf(ds, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", pod.Name)
	}
	for _, p := range d.remove {
		err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
		if apierrors.IsNotFound(err) {
			c.expect.Observe(key, 0, 1)
			continue
		}
		if err != nil {
			c.expect.Observe(key, 0, 1)
			c.recorder.Eventf(ds, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
			errs = append(errs, fmt.Errorf("delete daemon pod %s/%s: %w", p.Namespace, p.Name, err))
			continue
		}
		c.recorder.Eventf(ds, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
	}
	return errors.Join(errs...)
}
