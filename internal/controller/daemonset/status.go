package daemonset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

// computeStatus counts nodes the way kubectl rollout status reads them:
// the rollout is done when every desired node has an updated, available pod.
func computeStatus(ds *appsv1.DaemonSet, nodes []nodeState, hash string, now time.Time) appsv1.DaemonSetStatus {
	st := appsv1.DaemonSetStatus{
		ObservedGeneration: ds.Generation,
		CollisionCount:     ds.Status.CollisionCount,
		Conditions:         ds.Status.Conditions,
	}
	for _, n := range nodes {
		if !n.shouldRun {
			if len(n.pods) > 0 {
				st.NumberMisscheduled++
			}
			continue
		}
		st.DesiredNumberScheduled++
		if len(n.pods) == 0 {
			continue
		}
		st.CurrentNumberScheduled++
		var isUpdated, isReady, isAvailable bool
		for _, p := range n.pods {
			isUpdated = isUpdated || updated(p, hash)
			isReady = isReady || podstatus.Ready(p)
			isAvailable = isAvailable || available(p, ds.Spec.MinReadySeconds, now)
		}
		if isUpdated {
			st.UpdatedNumberScheduled++
		}
		if isReady {
			st.NumberReady++
		}
		if isAvailable {
			st.NumberAvailable++
		}
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	return st
}

// rolloutOf scales the update strategy to the desired node count, as
// Kubernetes does (percentages round up; both zero means one unavailable).
func rolloutOf(ds *appsv1.DaemonSet, desired int, hash string, now time.Time) rollout {
	r := rollout{hash: hash, minReady: ds.Spec.MinReadySeconds, now: now,
		rolling: ds.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType}
	unavailable, surge := intstr.FromInt32(1), intstr.FromInt32(0)
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		if ru.MaxUnavailable != nil {
			unavailable = *ru.MaxUnavailable
		}
		if ru.MaxSurge != nil {
			surge = *ru.MaxSurge
		}
	}
	r.maxUnavailable, _ = intstr.GetScaledValueFromIntOrPercent(&unavailable, desired, true)
	r.maxSurge, _ = intstr.GetScaledValueFromIntOrPercent(&surge, desired, true)
	if r.maxUnavailable == 0 && r.maxSurge == 0 {
		r.maxUnavailable = 1
	}
	return r
}

// timeToAvailable is the wait until the next ready pod has been ready for
// minReadySeconds.
func timeToAvailable(ds *appsv1.DaemonSet, nodes []nodeState, now time.Time) time.Duration {
	soonest := time.Duration(ds.Spec.MinReadySeconds) * time.Second
	for _, n := range nodes {
		for _, p := range n.pods {
			for _, c := range p.Status.Conditions {
				if c.Type != corev1.PodReady || c.Status != corev1.ConditionTrue || available(p, ds.Spec.MinReadySeconds, now) {
					continue
				}
				left := c.LastTransitionTime.Add(time.Duration(ds.Spec.MinReadySeconds) * time.Second).Sub(now)
				soonest = min(soonest, max(left, time.Millisecond))
			}
		}
	}
	return soonest
}
