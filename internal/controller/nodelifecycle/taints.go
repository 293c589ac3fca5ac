package nodelifecycle

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// conditionTaints maps a condition in a given status to the taint key that
// says so (TaintNodesByCondition).
var conditionTaints = map[corev1.NodeConditionType]map[corev1.ConditionStatus]string{
	corev1.NodeReady: {
		corev1.ConditionFalse:   corev1.TaintNodeNotReady,
		corev1.ConditionUnknown: corev1.TaintNodeUnreachable,
	},
	corev1.NodeMemoryPressure:     {corev1.ConditionTrue: corev1.TaintNodeMemoryPressure},
	corev1.NodeDiskPressure:       {corev1.ConditionTrue: corev1.TaintNodeDiskPressure},
	corev1.NodePIDPressure:        {corev1.ConditionTrue: corev1.TaintNodePIDPressure},
	corev1.NodeNetworkUnavailable: {corev1.ConditionTrue: corev1.TaintNodeNetworkUnavailable},
}

// managed reports whether the controller owns a taint: the condition
// taints with either effect they come in, and the unschedulable one.
func managed(t corev1.Taint) bool {
	switch t.Key {
	case corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable:
		return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
	case corev1.TaintNodeMemoryPressure, corev1.TaintNodeDiskPressure, corev1.TaintNodePIDPressure,
		corev1.TaintNodeNetworkUnavailable, corev1.TaintNodeUnschedulable:
		return t.Effect == corev1.TaintEffectNoSchedule
	}
	return false
}

// wantTaints are the managed taints a node with this spec and status
// should carry: NoSchedule for every condition taint and unschedulable,
// NoExecute for not-ready and unreachable.
func wantTaints(spec corev1.NodeSpec, status corev1.NodeStatus) []corev1.Taint {
	var want []corev1.Taint
	for _, c := range status.Conditions {
		key, ok := conditionTaints[c.Type][c.Status]
		if !ok {
			continue
		}
		want = append(want, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule})
		if c.Type == corev1.NodeReady {
			want = append(want, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoExecute})
		}
	}
	if spec.Unschedulable {
		want = append(want, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
	}
	return want
}

// reconcileTaints is current with the managed taints replaced by want:
// taints already there keep their timeAdded, new ones get now, others'
// taints are untouched. It reports whether anything changed.
func reconcileTaints(current, want []corev1.Taint, now time.Time) ([]corev1.Taint, bool) {
	has := func(list []corev1.Taint, t corev1.Taint) bool {
		return slices.ContainsFunc(list, func(o corev1.Taint) bool { return o.MatchTaint(&t) })
	}
	out := make([]corev1.Taint, 0, len(current)+len(want))
	changed := false
	for _, t := range current {
		if managed(t) && !has(want, t) {
			changed = true
			continue
		}
		out = append(out, t)
	}
	for _, t := range want {
		if !has(current, t) {
			added := metav1.NewTime(now)
			t.TimeAdded = &added
			out = append(out, t)
			changed = true
		}
	}
	return out, changed
}
