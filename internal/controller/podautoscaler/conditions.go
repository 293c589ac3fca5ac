package podautoscaler

import (
	"fmt"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// setCondition replaces the condition of the same type, keeping its
// transition time unless its status changes.
func setCondition(st *autoscalingv2.HorizontalPodAutoscalerStatus, typ autoscalingv2.HorizontalPodAutoscalerConditionType,
	status corev1.ConditionStatus, reason, format string, args ...any) {
	c := autoscalingv2.HorizontalPodAutoscalerCondition{Type: typ, Status: status, Reason: reason, Message: fmt.Sprintf(format, args...)}
	for i := range st.Conditions {
		old := &st.Conditions[i]
		if old.Type != typ {
			continue
		}
		c.LastTransitionTime = old.LastTransitionTime
		if old.Status != status {
			c.LastTransitionTime = metav1.Time{}
		}
		*old = c
		return
	}
	st.Conditions = append(st.Conditions, c)
}

// stampTransitions gives new or flipped conditions (left with a zero
// time by setCondition) the current time.
func stampTransitions(st *autoscalingv2.HorizontalPodAutoscalerStatus, now time.Time) {
	for i := range st.Conditions {
		if st.Conditions[i].LastTransitionTime.IsZero() {
			st.Conditions[i].LastTransitionTime = metav1.NewTime(now)
		}
	}
}
