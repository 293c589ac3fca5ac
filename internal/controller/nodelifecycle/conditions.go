package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kubeletConditions are the conditions kubelet owns and the controller
// marks Unknown when kubelet goes silent.
var kubeletConditions = []corev1.NodeConditionType{
	corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure,
}

// markUnknown sets every kubelet condition of a silent node to Unknown, as
// Kubernetes does, keeping heartbeats (they say when kubelet last spoke).
// It reports whether anything changed.
func markUnknown(status *corev1.NodeStatus, now time.Time) bool {
	t := metav1.NewTime(now)
	changed := false
	for _, typ := range kubeletConditions {
		i := indexOf(status.Conditions, typ)
		if i < 0 {
			status.Conditions = append(status.Conditions, corev1.NodeCondition{
				Type: typ, Status: corev1.ConditionUnknown, Reason: "NodeStatusNeverUpdated",
				Message: "Kubelet never posted node status.", LastHeartbeatTime: t, LastTransitionTime: t})
			changed = true
			continue
		}
		c := &status.Conditions[i]
		if c.Status == corev1.ConditionUnknown {
			continue
		}
		c.Status, c.Reason, c.Message, c.LastTransitionTime = corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status.", t
		changed = true
	}
	return changed
}

func indexOf(conds []corev1.NodeCondition, t corev1.NodeConditionType) int {
	for i := range conds {
		if conds[i].Type == t {
			return i
		}
	}
	return -1
}
