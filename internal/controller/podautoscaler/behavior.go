package podautoscaler

import (
	"math"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// recommendation is one unstabilized replica count the controller computed.
type recommendation struct {
	replicas int32
	at       time.Time
}

// scaleEvent is one change the controller made to the target's replicas
// (always positive; up and down are kept apart).
type scaleEvent struct {
	change int32
	at     time.Time
}

// history is what the stabilization windows and rate policies remember
// of one autoscaler.
type history struct {
	recommendations []recommendation
	ups, downs      []scaleEvent
}

// defaultBehavior fills what Kubernetes defaults in an autoscaling/v2
// behavior: scale up at once by 100% or 4 pods per 15 s, whichever is
// more; scale down after downWindow by up to 100% per 15 s.
func defaultBehavior(b *autoscalingv2.HorizontalPodAutoscalerBehavior, downWindow time.Duration) autoscalingv2.HorizontalPodAutoscalerBehavior {
	out := autoscalingv2.HorizontalPodAutoscalerBehavior{}
	if b != nil {
		out = *b.DeepCopy()
	}
	maxPolicy := autoscalingv2.MaxChangePolicySelect
	if out.ScaleUp == nil {
		out.ScaleUp = &autoscalingv2.HPAScalingRules{}
	}
	if out.ScaleUp.StabilizationWindowSeconds == nil {
		zero := int32(0)
		out.ScaleUp.StabilizationWindowSeconds = &zero
	}
	if out.ScaleUp.SelectPolicy == nil {
		out.ScaleUp.SelectPolicy = &maxPolicy
	}
	if len(out.ScaleUp.Policies) == 0 {
		out.ScaleUp.Policies = []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		}
	}
	if out.ScaleDown == nil {
		out.ScaleDown = &autoscalingv2.HPAScalingRules{}
	}
	if out.ScaleDown.StabilizationWindowSeconds == nil {
		w := int32(downWindow / time.Second)
		out.ScaleDown.StabilizationWindowSeconds = &w
	}
	if out.ScaleDown.SelectPolicy == nil {
		out.ScaleDown.SelectPolicy = &maxPolicy
	}
	if len(out.ScaleDown.Policies) == 0 {
		out.ScaleDown.Policies = []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}
	}
	return out
}

// limited is a replica count after behavior, with the reasons for the
// AbleToScale and ScalingLimited conditions.
type limited struct {
	replicas                      int32
	stabilizeReason, stabilizeMsg string
	limitReason, limitMsg         string
	limitedBy                     bool
}

// applyBehavior stabilizes the proposed count over the windows, then
// bounds it by the scaling policies and min/max. It returns the history
// with the proposal recorded (the scale event is recorded by the caller
// once the write succeeded).
func applyBehavior(b autoscalingv2.HorizontalPodAutoscalerBehavior, h history, minReplicas, maxReplicas, current, proposed int32, now time.Time) (limited, history) {
	var out limited
	stabilized, recs := stabilize(b, h.recommendations, current, proposed, now)
	h.recommendations = recs
	if stabilized != proposed {
		if proposed >= current {
			out.stabilizeReason, out.stabilizeMsg = "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation"
		} else {
			out.stabilizeReason, out.stabilizeMsg = "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation"
		}
	} else {
		out.stabilizeReason, out.stabilizeMsg = "ReadyForNewScale", "recommended size matches current size"
	}
	out.replicas, out.limitReason, out.limitMsg = rateLimit(b, h, minReplicas, maxReplicas, current, stabilized, now)
	out.limitedBy = out.replicas != stabilized
	return out, h
}

// stabilize keeps the count between the lowest recommendation of the
// scale-up window and the highest of the scale-down window, so a brief
// dip or spike does not move the target.
func stabilize(b autoscalingv2.HorizontalPodAutoscalerBehavior, recs []recommendation, current, proposed int32, now time.Time) (int32, []recommendation) {
	upCutoff := now.Add(-time.Duration(*b.ScaleUp.StabilizationWindowSeconds) * time.Second)
	downCutoff := now.Add(-time.Duration(*b.ScaleDown.StabilizationWindowSeconds) * time.Second)
	up, down := proposed, proposed
	kept := recs[:0:0]
	for _, r := range recs {
		if r.at.After(upCutoff) {
			up = min(up, r.replicas)
		}
		if r.at.After(downCutoff) {
			down = max(down, r.replicas)
		}
		if r.at.After(upCutoff) || r.at.After(downCutoff) {
			kept = append(kept, r)
		}
	}
	out := max(current, up)
	out = min(out, down)
	return out, append(kept, recommendation{replicas: proposed, at: now})
}

// rateLimit bounds a count by the scaling policies (measured from the
// replicas at the start of each policy's period) and by min/max.
func rateLimit(b autoscalingv2.HorizontalPodAutoscalerBehavior, h history, minReplicas, maxReplicas, current, desired int32, now time.Time) (int32, string, string) {
	switch {
	case desired > current:
		limit := max(upLimit(current, h.ups, *b.ScaleUp, now), current)
		allowed, reason, msg := maxReplicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count"
		if allowed > limit {
			allowed, reason, msg = limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
		}
		if desired > allowed {
			return allowed, reason, msg
		}
	case desired < current:
		limit := min(downLimit(current, h.downs, *b.ScaleDown, now), current)
		allowed, reason, msg := minReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
		if allowed < limit {
			allowed, reason, msg = limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"
		}
		if desired < allowed {
			return allowed, reason, msg
		}
	}
	return desired, "DesiredWithinRange", "the desired count is within the acceptable range"
}

func changedWithin(events []scaleEvent, period int32, now time.Time) int32 {
	cutoff := now.Add(-time.Duration(period) * time.Second)
	var n int32
	for _, e := range events {
		if e.at.After(cutoff) {
			n += e.change
		}
	}
	return n
}

func upLimit(current int32, events []scaleEvent, rules autoscalingv2.HPAScalingRules, now time.Time) int32 {
	if *rules.SelectPolicy == autoscalingv2.DisabledPolicySelect {
		return current
	}
	pick, result := maxOf, int32(math.MinInt32)
	if *rules.SelectPolicy == autoscalingv2.MinChangePolicySelect {
		pick, result = minOf, math.MaxInt32
	}
	for _, p := range rules.Policies {
		start := current - changedWithin(events, p.PeriodSeconds, now)
		proposed := start + p.Value
		if p.Type == autoscalingv2.PercentScalingPolicy {
			proposed = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		}
		result = pick(result, proposed)
	}
	return result
}

func downLimit(current int32, events []scaleEvent, rules autoscalingv2.HPAScalingRules, now time.Time) int32 {
	if *rules.SelectPolicy == autoscalingv2.DisabledPolicySelect {
		return current
	}
	// The policy allowing the most change lowers the floor the most.
	pick, result := minOf, int32(math.MaxInt32)
	if *rules.SelectPolicy == autoscalingv2.MinChangePolicySelect {
		pick, result = maxOf, math.MinInt32
	}
	for _, p := range rules.Policies {
		start := current + changedWithin(events, p.PeriodSeconds, now)
		proposed := start - p.Value
		if p.Type == autoscalingv2.PercentScalingPolicy {
			proposed = int32(float64(start) * (1 - float64(p.Value)/100))
		}
		result = pick(result, proposed)
	}
	return result
}

// recordScale remembers a change made to the target, forgetting changes
// older than the longest policy period.
func recordScale(b autoscalingv2.HorizontalPodAutoscalerBehavior, h history, from, to int32, now time.Time) history {
	prune := func(events []scaleEvent, rules *autoscalingv2.HPAScalingRules) []scaleEvent {
		var longest int32
		for _, p := range rules.Policies {
			longest = max(longest, p.PeriodSeconds)
		}
		cutoff := now.Add(-time.Duration(longest) * time.Second)
		kept := events[:0:0]
		for _, e := range events {
			if e.at.After(cutoff) {
				kept = append(kept, e)
			}
		}
		return kept
	}
	h.ups, h.downs = prune(h.ups, b.ScaleUp), prune(h.downs, b.ScaleDown)
	switch {
	case to > from:
		h.ups = append(h.ups, scaleEvent{change: to - from, at: now})
	case to < from:
		h.downs = append(h.downs, scaleEvent{change: from - to, at: now})
	}
	return h
}

func maxOf(a, b int32) int32 { return max(a, b) }
func minOf(a, b int32) int32 { return min(a, b) }
