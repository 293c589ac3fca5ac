package disruption

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

// DeletionTimeout is how long an evicted pod may stay in
// status.disruptedPods before the budget stops waiting for its deletion
// and counts it again, as in Kubernetes.
const DeletionTimeout = 2 * time.Minute

// counts derives expectedPods and desiredHealthy from the budget's spec.
// scale is asked for the pods' owners' total desired replicas only when the
// spec needs it (maxUnavailable or a percentage).
func counts(spec policyv1.PodDisruptionBudgetSpec, pods int, scale func() (int32, error)) (expected, desired int32, err error) {
	switch {
	case spec.MaxUnavailable != nil:
		if expected, err = scale(); err != nil {
			return 0, 0, err
		}
		maxUnavailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MaxUnavailable, int(expected), true)
		if err != nil {
			return 0, 0, err
		}
		desired = max(expected-int32(maxUnavailable), 0)
	case spec.MinAvailable != nil && spec.MinAvailable.Type == intstr.Int:
		expected, desired = int32(pods), spec.MinAvailable.IntVal
	case spec.MinAvailable != nil:
		if expected, err = scale(); err != nil {
			return 0, 0, err
		}
		minAvailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MinAvailable, int(expected), true)
		if err != nil {
			return 0, 0, err
		}
		desired = int32(minAvailable)
	}
	return expected, desired, nil
}

// disrupted keeps the entries of status.disruptedPods whose pods still
// exist, are not yet being deleted and are within DeletionTimeout; it also
// returns when the earliest of them expires, so the budget is recomputed then.
func disrupted(pods []*corev1.Pod, previous map[string]metav1.Time, now time.Time) (map[string]metav1.Time, *time.Time) {
	out := map[string]metav1.Time{}
	var recheck *time.Time
	for _, pod := range pods {
		t, ok := previous[pod.Name]
		if !ok || pod.DeletionTimestamp != nil {
			continue
		}
		deadline := t.Add(DeletionTimeout)
		if deadline.Before(now) {
			continue
		}
		out[pod.Name] = t
		if recheck == nil || deadline.Before(*recheck) {
			recheck = &deadline
		}
	}
	return out, recheck
}

// healthy counts Ready pods that are neither being deleted nor recently evicted.
func healthy(pods []*corev1.Pod, disruptedPods map[string]metav1.Time, now time.Time) int32 {
	var n int32
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		if t, ok := disruptedPods[pod.Name]; ok && t.Add(DeletionTimeout).After(now) {
			continue
		}
		if podstatus.Ready(pod) {
			n++
		}
	}
	return n
}

// nextStatus is the budget's status for its pods and expected/desired
// counts at time now, with the time at which it must be recomputed.
func nextStatus(pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod, expected, desired int32, now time.Time) (policyv1.PodDisruptionBudgetStatus, *time.Time) {
	st := *pdb.Status.DeepCopy()
	var recheck *time.Time
	st.DisruptedPods, recheck = disrupted(pods, pdb.Status.DisruptedPods, now)
	st.CurrentHealthy = healthy(pods, st.DisruptedPods, now)
	st.DesiredHealthy = desired
	st.ExpectedPods = expected
	st.DisruptionsAllowed = 0
	if expected > 0 && st.CurrentHealthy > desired {
		st.DisruptionsAllowed = st.CurrentHealthy - desired
	}
	st.ObservedGeneration = pdb.Generation
	cond := metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionTrue, Reason: policyv1.SufficientPodsReason}
	if st.DisruptionsAllowed == 0 {
		cond.Status, cond.Reason = metav1.ConditionFalse, policyv1.InsufficientPodsReason
	}
	setCondition(&st.Conditions, cond, now)
	return st, recheck
}

// failedStatus forbids disruptions while the budget cannot be computed.
func failedStatus(pdb *policyv1.PodDisruptionBudget, err error, now time.Time) policyv1.PodDisruptionBudgetStatus {
	st := *pdb.Status.DeepCopy()
	st.DisruptionsAllowed = 0
	setCondition(&st.Conditions, metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse,
		Reason: policyv1.SyncFailedReason, Message: err.Error()}, now)
	return st
}

// setCondition replaces the condition of the same type, keeping its
// transition time unless its status changes.
func setCondition(conds *[]metav1.Condition, c metav1.Condition, now time.Time) {
	c.LastTransitionTime = metav1.NewTime(now)
	for i := range *conds {
		old := &(*conds)[i]
		if old.Type != c.Type {
			continue
		}
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		*old = c
		return
	}
	*conds = append(*conds, c)
}
