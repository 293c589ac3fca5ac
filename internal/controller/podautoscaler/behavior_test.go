package podautoscaler

import (
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

func TestStabilizationWindows(t *testing.T) {
	b := defaultBehavior(nil, 5*time.Minute)
	var h history
	step := func(at time.Duration, current, proposed int32) limited {
		var l limited
		l, h = applyBehavior(b, h, 1, 100, current, proposed, now.Add(at))
		return l
	}
	// A high recommendation holds the count up for the 5-minute window.
	if l := step(0, 10, 10); l.replicas != 10 || l.stabilizeReason != "ReadyForNewScale" {
		t.Fatalf("t0: %+v", l)
	}
	if l := step(time.Minute, 10, 3); l.replicas != 10 || l.stabilizeReason != "ScaleDownStabilized" {
		t.Fatalf("t1m: %+v", l)
	}
	if l := step(4*time.Minute, 10, 4); l.replicas != 10 {
		t.Fatalf("t4m: %+v", l)
	}
	// Once the 10 has left the window, the highest later recommendation wins.
	if l := step(5*time.Minute+time.Second, 10, 3); l.replicas != 4 {
		t.Fatalf("t5m: %+v", l)
	}
	// Scale up is immediate (0 s window).
	if l := step(6*time.Minute, 4, 8); l.replicas != 8 || l.stabilizeReason != "ReadyForNewScale" {
		t.Fatalf("up: %+v", l)
	}
}

func TestRatePolicies(t *testing.T) {
	pods := func(v int32, period int32) autoscalingv2.HPAScalingPolicy {
		return autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PodsScalingPolicy, Value: v, PeriodSeconds: period}
	}
	percent := func(v int32, period int32) autoscalingv2.HPAScalingPolicy {
		return autoscalingv2.HPAScalingPolicy{Type: autoscalingv2.PercentScalingPolicy, Value: v, PeriodSeconds: period}
	}
	minSel, disabled := autoscalingv2.MinChangePolicySelect, autoscalingv2.DisabledPolicySelect
	tests := []struct {
		name              string
		up, down          *autoscalingv2.HPAScalingRules
		h                 history
		min, max          int32
		current, proposed int32
		want              int32
		wantReason        string
	}{
		{name: "default up: max of +4 pods and +100%", current: 2, proposed: 20, min: 1, max: 100, want: 6, wantReason: "ScaleUpLimit"},
		{name: "default up on a big target", current: 10, proposed: 50, min: 1, max: 100, want: 20, wantReason: "ScaleUpLimit"},
		{name: "max replicas bounds", current: 10, proposed: 50, min: 1, max: 15, want: 15, wantReason: "TooManyReplicas"},
		{name: "within range", current: 10, proposed: 12, min: 1, max: 100, want: 12, wantReason: "DesiredWithinRange"},
		{name: "earlier scale-up in the period counts", current: 6, proposed: 20, min: 1, max: 100, want: 8, wantReason: "ScaleUpLimit",
			up: &autoscalingv2.HPAScalingRules{Policies: []autoscalingv2.HPAScalingPolicy{pods(4, 60)}},
			h:  history{ups: []scaleEvent{{change: 2, at: now.Add(-30 * time.Second)}}}},
		{name: "min select picks the smaller step", current: 10, proposed: 50, min: 1, max: 100, want: 12, wantReason: "ScaleUpLimit",
			up: &autoscalingv2.HPAScalingRules{SelectPolicy: &minSel, Policies: []autoscalingv2.HPAScalingPolicy{pods(2, 60), percent(100, 60)}}},
		{name: "disabled scale up", current: 10, proposed: 50, min: 1, max: 100, want: 10, wantReason: "ScaleUpLimit",
			up: &autoscalingv2.HPAScalingRules{SelectPolicy: &disabled}},
		{name: "down by percent", current: 10, proposed: 1, min: 1, max: 100, want: 8, wantReason: "ScaleDownLimit",
			down: &autoscalingv2.HPAScalingRules{Policies: []autoscalingv2.HPAScalingPolicy{percent(20, 60)}}},
		{name: "min replicas bounds", current: 10, proposed: 1, min: 3, max: 100, want: 3, wantReason: "TooFewReplicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zero := int32(0)
			spec := &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: tt.up, ScaleDown: tt.down}
			if spec.ScaleDown == nil {
				spec.ScaleDown = &autoscalingv2.HPAScalingRules{}
			}
			spec.ScaleDown.StabilizationWindowSeconds = &zero
			l, _ := applyBehavior(defaultBehavior(spec, 0), tt.h, tt.min, tt.max, tt.current, tt.proposed, now)
			if l.replicas != tt.want || l.limitReason != tt.wantReason {
				t.Fatalf("got %d %s, want %d %s", l.replicas, l.limitReason, tt.want, tt.wantReason)
			}
		})
	}
}

func TestRecordScalePrunes(t *testing.T) {
	b := defaultBehavior(nil, 0)
	h := history{ups: []scaleEvent{{change: 3, at: now.Add(-time.Hour)}}}
	h = recordScale(b, h, 2, 5, now)
	h = recordScale(b, h, 5, 4, now)
	if len(h.ups) != 1 || h.ups[0].change != 3 || !h.ups[0].at.Equal(now) || len(h.downs) != 1 || h.downs[0].change != 1 {
		t.Fatalf("history = %+v", h)
	}
}
