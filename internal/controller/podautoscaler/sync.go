package podautoscaler

import (
	"context"
	"fmt"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// sync evaluates one autoscaler. It reports whether the autoscaler still
// exists, so the caller keeps evaluating it.
func (c *Controller) sync(ctx context.Context, key string) (bool, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return false, nil
	}
	hpa, err := c.hpas.HorizontalPodAutoscalers(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	return true, c.reconcile(ctx, key, hpa.DeepCopy())
}

func (c *Controller) reconcile(ctx context.Context, key string, hpa *autoscalingv2.HorizontalPodAutoscaler) error {
	now := c.opts.Clock.Now()
	old := hpa.Status.DeepCopy()
	st := &hpa.Status
	ref := hpa.Spec.ScaleTargetRef
	reference := fmt.Sprintf("%s/%s/%s", ref.Kind, hpa.Namespace, ref.Name)

	sc, gr, err := c.getScale(ctx, hpa)
	if err != nil {
		c.recorder.Event(hpa, corev1.EventTypeWarning, "FailedGetScale", err.Error())
		setCondition(st, autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedGetScale", "the HPA controller was unable to get the target's current scale: %v", err)
		c.writeStatus(ctx, hpa, old, now)
		return fmt.Errorf("get scale of %s: %w", reference, err)
	}
	setCondition(st, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededGetScale", "the HPA controller was able to get the target's current scale")

	current := sc.Spec.Replicas
	minReplicas := int32(1)
	if hpa.Spec.MinReplicas != nil {
		minReplicas = *hpa.Spec.MinReplicas
	}
	var desired int32
	var reason string
	var metricStatuses []autoscalingv2.MetricStatus
	rescale := true
	switch {
	case current == 0 && minReplicas != 0:
		// Someone scaled the target to zero on purpose; leave it there.
		rescale = false
		setCondition(st, autoscalingv2.ScalingActive, corev1.ConditionFalse, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
	case current > hpa.Spec.MaxReplicas:
		desired, reason = hpa.Spec.MaxReplicas, "Current number of replicas above Spec.MaxReplicas"
	case current < minReplicas:
		desired, reason = minReplicas, "Current number of replicas below Spec.MinReplicas"
	default:
		proposed, metricName, statuses, err := c.replicasForMetrics(ctx, hpa, sc, current)
		metricStatuses = statuses
		if err != nil {
			st.CurrentReplicas, st.CurrentMetrics = current, metricStatuses
			c.writeStatus(ctx, hpa, old, now)
			c.recorder.Event(hpa, corev1.EventTypeWarning, "FailedComputeMetricsReplicas", err.Error())
			return fmt.Errorf("compute replicas for %s: %w", reference, err)
		}
		switch {
		case proposed > current:
			reason = metricName + " above target"
		case proposed < current:
			reason = "All metrics below target"
		}
		b := defaultBehavior(hpa.Spec.Behavior, c.opts.DownscaleStabilization)
		c.mu.Lock()
		var l limited
		l, c.history[key] = applyBehavior(b, c.history[key], minReplicas, hpa.Spec.MaxReplicas, current, proposed, now)
		c.mu.Unlock()
		desired = l.replicas
		setCondition(st, autoscalingv2.AbleToScale, corev1.ConditionTrue, l.stabilizeReason, "%s", l.stabilizeMsg)
		limitedStatus := corev1.ConditionFalse
		if l.limitedBy {
			limitedStatus = corev1.ConditionTrue
		}
		setCondition(st, autoscalingv2.ScalingLimited, limitedStatus, l.limitReason, "%s", l.limitMsg)
		rescale = desired != current
	}

	if rescale {
		sc.Spec.Replicas = desired
		if _, err := c.opts.Scales.Scales(hpa.Namespace).Update(ctx, gr, sc, metav1.UpdateOptions{}); err != nil {
			c.recorder.Eventf(hpa, corev1.EventTypeWarning, "FailedRescale", "New size: %d; reason: %s; error: %v", desired, reason, err)
			setCondition(st, autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedUpdateScale", "the HPA controller was unable to update the target scale: %v", err)
			st.CurrentReplicas, st.CurrentMetrics = current, metricStatuses
			c.writeStatus(ctx, hpa, old, now)
			return fmt.Errorf("rescale %s: %w", reference, err)
		}
		setCondition(st, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededRescale", "the HPA controller was able to update the target scale to %d", desired)
		c.recorder.Eventf(hpa, corev1.EventTypeNormal, "SuccessfulRescale", "New size: %d; reason: %s", desired, reason)
		b := defaultBehavior(hpa.Spec.Behavior, c.opts.DownscaleStabilization)
		c.mu.Lock()
		c.history[key] = recordScale(b, c.history[key], current, desired, now)
		c.mu.Unlock()
		t := metav1.NewTime(now)
		st.LastScaleTime = &t
	} else {
		desired = current
	}
	st.CurrentReplicas, st.DesiredReplicas, st.CurrentMetrics = current, desired, metricStatuses
	gen := hpa.Generation
	st.ObservedGeneration = &gen
	c.writeStatus(ctx, hpa, old, now)
	return nil
}

func (c *Controller) getScale(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler) (*autoscalingv1.Scale, schema.GroupResource, error) {
	ref := hpa.Spec.ScaleTargetRef
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return nil, schema.GroupResource{}, err
	}
	mappings, err := c.opts.Mapper.RESTMappings(schema.GroupKind{Group: gv.Group, Kind: ref.Kind})
	if err != nil {
		return nil, schema.GroupResource{}, err
	}
	var firstErr error
	for _, m := range mappings {
		gr := m.Resource.GroupResource()
		sc, err := c.opts.Scales.Scales(hpa.Namespace).Get(ctx, gr, ref.Name, metav1.GetOptions{})
		if err == nil {
			return sc, gr, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("unrecognized resource")
	}
	return nil, schema.GroupResource{}, firstErr
}

// writeStatus writes the status if it changed. A failed write is only
// logged: the next evaluation, a sync period away, writes it again.
func (c *Controller) writeStatus(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, old *autoscalingv2.HorizontalPodAutoscalerStatus, now time.Time) {
	stampTransitions(&hpa.Status, now)
	if apiequality.Semantic.DeepEqual(old, &hpa.Status) {
		return
	}
	if _, err := c.client.AutoscalingV2().HorizontalPodAutoscalers(hpa.Namespace).UpdateStatus(ctx, hpa, metav1.UpdateOptions{}); err != nil {
		c.recorder.Event(hpa, corev1.EventTypeWarning, "FailedUpdateStatus", err.Error())
	}
}
