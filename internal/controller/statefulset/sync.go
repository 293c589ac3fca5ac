package statefulset

import (
	"context"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/controller/history"
)

// sync moves one StatefulSet's pods a step toward its spec and records
// its status.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	shared, err := c.sets.StatefulSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if shared.DeletionTimestamp != nil {
		return nil
	}
	set := shared.DeepCopy()
	pods, err := c.ownedPods(set)
	if err != nil {
		return err
	}
	revs, err := c.history.Sync(ctx, set, controllerKind, &set.Spec.Template, set.Status.CurrentRevision, set.Status.CollisionCount)
	if err != nil {
		return err
	}
	now := c.clock.Now()
	v := viewOf(set, revs.Update.Name, now)
	stepErr := c.apply(ctx, set, revs, v, plan(v, pods))
	for _, p := range pods {
		// A claim deleted under a running pod comes back, as in Kubernetes.
		if ord, ok := ordinalOf(set.Name, p.Name); ok && p.DeletionTimestamp == nil && ord >= v.start && ord < v.start+v.replicas {
			stepErr = errors.Join(stepErr, c.ensureClaims(ctx, set, p.Name, ord))
		}
	}

	inUse := map[string]bool{}
	for _, p := range pods {
		inUse[revisionOf(p)] = true
	}
	limit := ptr.Deref(set.Spec.RevisionHistoryLimit, 10)
	truncErr := c.history.Truncate(ctx, revs, limit, inUse)

	set.Status = computeStatus(set, pods, revs.Current.Name, revs.Update.Name, revs.CollisionCount, now)
	if !equality.Semantic.DeepEqual(shared.Status, set.Status) {
		if _, err := c.client.AppsV1().StatefulSets(ns).UpdateStatus(ctx, set, metav1.UpdateOptions{}); err != nil {
			return errors.Join(stepErr, truncErr, fmt.Errorf("update status of statefulset %s: %w", key, err))
		}
	}
	if wait := nextAvailableCheck(set, pods, now); wait > 0 {
		c.queue.AddAfter(key, wait)
	}
	return errors.Join(stepErr, truncErr)
}

func (c *Controller) ownedPods(set *appsv1.StatefulSet) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil || set.Spec.Selector == nil {
		// The API validates selectors; retrying cannot fix a bad one.
		return nil, nil
	}
	all, err := c.pods.Pods(set.Namespace).List(sel)
	if err != nil {
		return nil, fmt.Errorf("list pods of statefulset %s/%s: %w", set.Namespace, set.Name, err)
	}
	var out []*corev1.Pod
	for _, p := range all {
		if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == set.UID {
			out = append(out, p)
		}
	}
	return out, nil
}

// apply carries out the planned steps. New pods at ordinals below the
// partition keep the current revision; all others get the update revision.
func (c *Controller) apply(ctx context.Context, set *appsv1.StatefulSet, revs *history.Revisions, v view, steps []step) error {
	for _, s := range steps {
		if s.pod != nil {
			if s.action == recreatePod {
				c.recorder.Eventf(set, corev1.EventTypeWarning, "RecreatingFailedPod",
					"StatefulSet %s/%s is recreating failed Pod %s", set.Namespace, set.Name, s.pod.Name)
			}
			if s.action == condemnPod && deleteWhen(set, false) {
				if err := c.claimsToPod(ctx, set, s.ordinal, s.pod); err != nil {
					return err
				}
			}
			if err := c.deletePod(ctx, set, s.pod); err != nil {
				return err
			}
		}
		if s.action != createPod && s.action != recreatePod {
			continue
		}
		rev := revs.Update
		if v.rolling && s.ordinal < v.start+v.partition {
			rev = revs.Current
		}
		template, err := history.Template(rev)
		if err != nil {
			// A corrupt revision cannot be fixed by retrying; say so and stop.
			c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "%v", err)
			return nil
		}
		if err := c.createPod(ctx, set, newPod(set, template, s.ordinal, rev.Name)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Controller) createPod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	ord, _ := ordinalOf(set.Name, pod.Name)
	if err := c.ensureClaims(ctx, set, pod.Name, ord); err != nil {
		return err
	}
	_, err := c.client.CoreV1().Pods(set.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// The old pod is still terminating; its deletion event requeues us.
		return nil
	}
	if err != nil {
		c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %s", pod.Name, set.Name, err)
		return fmt.Errorf("create pod %s/%s: %w", set.Namespace, pod.Name, err)
	}
	c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Pod %s in StatefulSet %s successful", pod.Name, set.Name)
	return nil
}

func (c *Controller) deletePod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedDelete", "delete Pod %s in StatefulSet %s failed error: %s", pod.Name, set.Name, err)
		return fmt.Errorf("delete pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulDelete", "delete Pod %s in StatefulSet %s successful", pod.Name, set.Name)
	return nil
}
