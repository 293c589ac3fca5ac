package podautoscaler

import (
	"context"
	"errors"
	"fmt"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
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

// replicasForMetrics computes the largest replica count the metrics ask
// for. It fails when every metric is invalid, or when some are and the
// valid ones would scale down (the missing ones might have said otherwise).
func (c *Controller) replicasForMetrics(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, sc *autoscalingv1.Scale, current int32) (int32, string, []autoscalingv2.MetricStatus, error) {
	st := &hpa.Status
	if sc.Status.Selector == "" {
		c.recorder.Event(hpa, corev1.EventTypeWarning, "SelectorRequired", "selector is required")
		setCondition(st, autoscalingv2.ScalingActive, corev1.ConditionFalse, "InvalidSelector", "the HPA target's scale is missing a selector")
		return 0, "", nil, errors.New("selector is required")
	}
	selector, err := labels.Parse(sc.Status.Selector)
	if err != nil {
		c.recorder.Event(hpa, corev1.EventTypeWarning, "InvalidSelector", err.Error())
		setCondition(st, autoscalingv2.ScalingActive, corev1.ConditionFalse, "InvalidSelector", "the HPA target's scale selector could not be parsed: %v", err)
		return 0, "", nil, fmt.Errorf("couldn't convert selector into a corresponding internal selector object: %w", err)
	}
	specs := hpa.Spec.Metrics
	if len(specs) == 0 {
		// autoscaling/v2's default: 80% cpu.
		util := int32(80)
		specs = []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &util}}}}
	}
	statuses := make([]autoscalingv2.MetricStatus, len(specs))
	var best int32
	var bestName string
	var invalid int
	var firstErr error
	var firstReason, firstMsg string
	for i, spec := range specs {
		n, name, status, reason, err := c.replicasForMetric(ctx, hpa.Namespace, selector, spec, current)
		if err != nil {
			if invalid == 0 {
				firstErr, firstReason, firstMsg = err, reason, fmt.Sprintf("the HPA was unable to compute the replica count: %v", err)
			}
			c.recorder.Event(hpa, corev1.EventTypeWarning, reason, err.Error())
			invalid++
			continue
		}
		statuses[i] = status
		if bestName == "" || n > best {
			best, bestName = n, name
		}
	}
	if invalid >= len(specs) || (invalid > 0 && best < current) {
		setCondition(st, autoscalingv2.ScalingActive, corev1.ConditionFalse, firstReason, "%s", firstMsg)
		return 0, "", statuses, fmt.Errorf("invalid metrics (%d invalid out of %d), first error is: %w", invalid, len(specs), firstErr)
	}
	setCondition(st, autoscalingv2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound", "the HPA was able to successfully calculate a replica count from %s", bestName)
	return best, bestName, statuses, nil
}

// replicasForMetric evaluates one Resource metric; on error it also gives
// the condition reason Kubernetes uses.
func (c *Controller) replicasForMetric(ctx context.Context, ns string, selector labels.Selector, spec autoscalingv2.MetricSpec, current int32) (int32, string, autoscalingv2.MetricStatus, string, error) {
	if spec.Type != autoscalingv2.ResourceMetricSourceType || spec.Resource == nil {
		return 0, "", autoscalingv2.MetricStatus{}, "InvalidMetricSourceType", fmt.Errorf("unsupported metric source type %q", spec.Type)
	}
	res, target := spec.Resource.Name, spec.Resource.Target
	var targetUtil *int32
	var targetAvg *int64
	var what, name string
	switch {
	case target.AverageUtilization != nil:
		targetUtil, what = target.AverageUtilization, "utilization"
		name = fmt.Sprintf("%s resource utilization (percentage of request)", res)
	case target.AverageValue != nil:
		v := target.AverageValue.MilliValue()
		targetAvg, what = &v, "usage"
		name = fmt.Sprintf("%s resource", res)
	default:
		return 0, "", autoscalingv2.MetricStatus{}, "FailedGetResourceMetric",
			errors.New("invalid resource metric source: neither a utilization target nor a value target was set")
	}
	pods, err := c.pods.Pods(ns).List(selector)
	if err != nil {
		return 0, "", autoscalingv2.MetricStatus{}, "FailedGetResourceMetric", err
	}
	metrics, err := c.opts.Metrics.PodMetrics(ctx, ns, selector)
	var p proposal
	if err != nil {
		err = fmt.Errorf("unable to get metrics for resource %s: %w", res, err)
	} else {
		p, err = c.calc.resourceReplicas(current, res, targetUtil, targetAvg, pods, metrics, c.opts.Clock.Now())
	}
	if err != nil {
		return 0, "", autoscalingv2.MetricStatus{}, "FailedGetResourceMetric", fmt.Errorf("failed to get %s %s: %w", res, what, err)
	}
	status := autoscalingv2.MetricStatus{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
		Name: res, Current: autoscalingv2.MetricValueStatus{AverageUtilization: p.utilization,
			AverageValue: resource.NewMilliQuantity(p.average, resource.DecimalSI)}}}
	return p.replicas, name, status, "", nil
}
