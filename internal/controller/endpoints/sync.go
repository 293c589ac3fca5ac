package endpoints

//lint:file-ignore SA1019 the Endpoints API is deprecated but still served, and this controller is what keeps it filled.

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// sync writes the Endpoints of one Service from the pods it selects.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		// The Service is gone; so is its Endpoints object.
		err := c.client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete endpoints %s: %w", key, err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if svc.Spec.Selector == nil {
		return nil
	}
	pods, err := c.pods.Pods(ns).List(labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return err
	}
	subsets, truncated := buildSubsets(svc, pods)

	current, err := c.endpoints.Endpoints(ns).Get(name)
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	want := wantLabels(svc)
	if exists && apiequality.Semantic.DeepEqual(current.Subsets, subsets) &&
		labels.Equals(current.Labels, want) && overCapacity(current) == truncated {
		return nil
	}

	var ep *corev1.Endpoints
	if exists {
		ep = current.DeepCopy()
	} else {
		ep = &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	}
	ep.Subsets = subsets
	ep.Labels = want
	if ep.Annotations == nil {
		ep.Annotations = map[string]string{}
	}
	ep.Annotations[corev1.EndpointsLastChangeTriggerTime] = triggerTime(svc, pods).UTC().Format(time.RFC3339Nano)
	if truncated {
		ep.Annotations[corev1.EndpointsOverCapacity] = "truncated"
	} else {
		delete(ep.Annotations, corev1.EndpointsOverCapacity)
	}

	if exists {
		_, err = c.client.CoreV1().Endpoints(ns).Update(ctx, ep, metav1.UpdateOptions{})
	} else {
		_, err = c.client.CoreV1().Endpoints(ns).Create(ctx, ep, metav1.CreateOptions{})
	}
	if err != nil {
		// A namespace being deleted refuses new objects; there is nothing to retry.
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
		if exists {
			c.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToUpdateEndpoint", "Failed to update endpoint %s: %v", key, err)
		} else {
			c.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToCreateEndpoint", "Failed to create endpoint for service %s: %v", key, err)
		}
		return fmt.Errorf("write endpoints %s: %w", key, err)
	}
	slog.Debug("Endpoints written", "service", key, "subsets", len(subsets), "truncated", truncated)
	return nil
}

// wantLabels copies the Service's labels and marks headless Services so
// proxies can skip them.
func wantLabels(svc *corev1.Service) map[string]string {
	l := map[string]string{}
	for k, v := range svc.Labels {
		l[k] = v
	}
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		l[corev1.IsHeadlessService] = ""
	} else {
		delete(l, corev1.IsHeadlessService)
	}
	return l
}

func overCapacity(ep *corev1.Endpoints) bool {
	_, ok := ep.Annotations[corev1.EndpointsOverCapacity]
	return ok
}

// triggerTime is the latest change among the Service and its pods that can
// have changed the Endpoints, for end-to-end latency measurement.
func triggerTime(svc *corev1.Service, pods []*corev1.Pod) time.Time {
	t := svc.CreationTimestamp.Time
	later := func(u time.Time) {
		if u.After(t) {
			t = u
		}
	}
	for _, p := range pods {
		later(p.CreationTimestamp.Time)
		if p.DeletionTimestamp != nil {
			later(p.DeletionTimestamp.Time)
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady {
				later(cond.LastTransitionTime.Time)
			}
		}
	}
	return t
}
