package autoscaling

import (
	"reflect"
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func wantErrors(t *testing.T, got field.ErrorList, want ...string) {
	t.Helper()
	var g []string
	for _, e := range got {
		g = append(g, e.Error())
	}
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n got: %q\nwant: %q", g, want)
	}
}

func hpa(mutate func(*autoscalingv2.HorizontalPodAutoscaler)) *autoscalingv2.HorizontalPodAutoscaler {
	h := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:    10,
		},
	}
	hpaRules().Default(h)
	if mutate != nil {
		mutate(h)
	}
	return h
}

func TestHPADefaults(t *testing.T) {
	h := hpa(nil)
	want := []autoscalingv2.MetricSpec{{Type: "Resource", Resource: &autoscalingv2.ResourceMetricSource{
		Name: "cpu", Target: autoscalingv2.MetricTarget{Type: "Utilization", AverageUtilization: ptr(int32(80))}}}}
	if *h.Spec.MinReplicas != 1 || !reflect.DeepEqual(h.Spec.Metrics, want) || h.Spec.Behavior != nil {
		t.Errorf("defaults: %+v", h.Spec)
	}

	b := &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr(int32(60))},
	}}}
	defaultHPA(b)
	up, down := b.Spec.Behavior.ScaleUp, b.Spec.Behavior.ScaleDown
	if !reflect.DeepEqual(up, scaleUpDefaults()) {
		t.Errorf("scaleUp %+v", up)
	}
	if *down.StabilizationWindowSeconds != 60 || *down.SelectPolicy != autoscalingv2.MaxChangePolicySelect ||
		!reflect.DeepEqual(down.Policies, []autoscalingv2.HPAScalingPolicy{{Type: "Percent", Value: 100, PeriodSeconds: 15}}) {
		t.Errorf("scaleDown %+v", down)
	}
}

func TestHPAValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*autoscalingv2.HorizontalPodAutoscaler)
		want   []string
	}{
		{name: "valid"},
		{name: "replicas", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.MinReplicas = ptr(int32(0))
			h.Spec.MaxReplicas = 0
		}, want: []string{
			"spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
			"spec.maxReplicas: Invalid value: 0: must be greater than 0",
		}},
		{name: "max below min", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.MinReplicas = ptr(int32(5))
			h.Spec.MaxReplicas = 3
		},
			want: []string{"spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"}},
		{name: "target ref", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{APIVersion: "a/b/c"}
		}, want: []string{
			"spec.scaleTargetRef.kind: Required value",
			"spec.scaleTargetRef.name: Required value",
			`spec.scaleTargetRef.apiVersion: Invalid value: "a/b/c": invalid api version`,
		}},
		{name: "resource metric", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Resource = &autoscalingv2.ResourceMetricSource{Name: "gpu", Target: autoscalingv2.MetricTarget{Type: "Utilization", AverageUtilization: ptr(int32(0))}}
		}, want: []string{
			`spec.metrics[0].resource.name: Invalid value: "gpu": must be a standard resource for containers`,
			"spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0",
		}},
		{name: "wrong source", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			q := resource.MustParse("10")
			h.Spec.Metrics[0].Pods = &autoscalingv2.PodsMetricSource{Metric: autoscalingv2.MetricIdentifier{Name: "rps"}, Target: autoscalingv2.MetricTarget{Type: "AverageValue", AverageValue: &q}}
		}, want: []string{"spec.metrics[0].pods: Forbidden: must populate the given metric source only"}},
		{name: "missing source", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = []autoscalingv2.MetricSpec{{Type: "External"}, {Type: "Magic"}}
		}, want: []string{
			"spec.metrics[0].external: Required value: must populate information for the given metric source",
			`spec.metrics[1].type: Unsupported value: "Magic": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"`,
		}},
		{name: "behavior", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{
				StabilizationWindowSeconds: ptr(int32(4000)),
				Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: "Pods", Value: 0, PeriodSeconds: 2000}},
			}}
		}, want: []string{
			"spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600",
			"spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero",
			"spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 2000: must be less than or equal to 1800",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, hpaRules().Validate(hpa(tc.mutate)), tc.want...)
		})
	}
	wantErrors(t, hpaRules().ValidateStatusUpdate(hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Status.DesiredReplicas = -1 }), hpa(nil)),
		"status.desiredReplicas: Invalid value: -1: must be greater than or equal to 0")
}

func TestHPATable(t *testing.T) {
	q := func(s string) *resource.Quantity { v := resource.MustParse(s); return &v }
	h := hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) {
		h.Spec.Metrics = append(h.Spec.Metrics,
			autoscalingv2.MetricSpec{Type: "Resource", Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceMemory,
				Target: autoscalingv2.MetricTarget{Type: "AverageValue", AverageValue: q("512Mi")}}},
			autoscalingv2.MetricSpec{Type: "External", External: &autoscalingv2.ExternalMetricSource{
				Target: autoscalingv2.MetricTarget{Type: "Value", Value: q("30")}}})
		h.Status.CurrentReplicas = 3
		h.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{Type: "Resource", Resource: &autoscalingv2.ResourceMetricStatus{
			Name: "cpu", Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr(int32(42))}}}}
	})
	want := []interface{}{"web", "Deployment/web", "cpu: 42%/80%, memory: <unknown>/512Mi + 1 more...", "1", int64(10), int64(3), "<unknown>"}
	if got := hpaRules().Row(h); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if len(hpaColumns) != len(want) {
		t.Errorf("%d columns for %d cells", len(hpaColumns), len(want))
	}
	for _, tc := range []struct {
		spec autoscalingv2.MetricSpec
		want string
	}{
		{autoscalingv2.MetricSpec{Type: "External", External: &autoscalingv2.ExternalMetricSource{Target: autoscalingv2.MetricTarget{AverageValue: q("5")}}}, "<unknown>/5 (avg)"},
		{autoscalingv2.MetricSpec{Type: "Pods", Pods: &autoscalingv2.PodsMetricSource{Target: autoscalingv2.MetricTarget{AverageValue: q("1k")}}}, "<unknown>/1k"},
		{autoscalingv2.MetricSpec{Type: "ContainerResource", ContainerResource: &autoscalingv2.ContainerResourceMetricSource{Name: "cpu"}}, "cpu: <unknown>/<auto>"},
	} {
		if got := targets([]autoscalingv2.MetricSpec{tc.spec}, nil); got != tc.want {
			t.Errorf("targets %q, want %q", got, tc.want)
		}
	}
}
