package podautoscaler

import (
	"context"
	"errors"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
)

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
