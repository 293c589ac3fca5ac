package statefulset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

// computeStatus counts the set's pods. Once every replica runs the update
// revision and is ready, the update revision becomes current, which is
// what kubectl rollout status waits for.
func computeStatus(set *appsv1.StatefulSet, pods []*corev1.Pod, current, update string, collisions int32, now time.Time) appsv1.StatefulSetStatus {
	st := appsv1.StatefulSetStatus{
		ObservedGeneration: set.Generation,
		CurrentRevision:    current,
		UpdateRevision:     update,
		CollisionCount:     &collisions,
		Conditions:         set.Status.Conditions,
	}
	for _, p := range pods {
		if _, ok := ordinalOf(set.Name, p.Name); !ok {
			continue
		}
		st.Replicas++
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning && podstatus.Ready(p) {
			st.ReadyReplicas++
			if available(p, set.Spec.MinReadySeconds, now) {
				st.AvailableReplicas++
			}
		}
		if p.DeletionTimestamp != nil {
			continue
		}
		if revisionOf(p) == current {
			st.CurrentReplicas++
		}
		if revisionOf(p) == update {
			st.UpdatedReplicas++
		}
	}
	if set.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType &&
		st.UpdatedReplicas == st.Replicas && st.ReadyReplicas == st.Replicas {
		st.CurrentRevision = update
		st.CurrentReplicas = st.UpdatedReplicas
	}
	return st
}

// nextAvailableCheck is when a ready pod will have been ready for
// minReadySeconds, so status can count it available; zero if none waits.
func nextAvailableCheck(set *appsv1.StatefulSet, pods []*corev1.Pod, now time.Time) time.Duration {
	var soonest time.Duration
	for _, p := range pods {
		if p.Status.Phase != corev1.PodRunning || !podstatus.Ready(p) || available(p, set.Spec.MinReadySeconds, now) {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady {
				left := c.LastTransitionTime.Add(time.Duration(set.Spec.MinReadySeconds) * time.Second).Sub(now)
				if soonest == 0 || left < soonest {
					soonest = left
				}
			}
		}
	}
	return soonest
}
