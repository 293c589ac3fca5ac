package deployment

import (
	"math"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
)

// planScale decides ReplicaSet sizes when spec.replicas changed (or the
// deployment is paused): a single active ReplicaSet takes the new size; a
// saturated new ReplicaSet retires the old ones; mid-rollout, the change is
// spread over all active ReplicaSets in proportion to their size, so a
// scale during a rollout neither speeds it up nor loses availability.
func planScale(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) []scaleStep {
	if rs := activeOrLatest(newRS, oldRSs); rs != nil {
		if rsReplicas(rs) == replicasOf(d) {
			return nil
		}
		return []scaleStep{{rs: rs, replicas: replicasOf(d)}}
	}
	if isSaturated(d, newRS) {
		var steps []scaleStep
		for _, rs := range activeReplicaSets(oldRSs) {
			steps = append(steps, scaleStep{rs: rs, replicas: 0})
		}
		return steps
	}
	if !isRollingUpdate(d) {
		return nil
	}
	all := activeReplicaSets(append(append([]*appsv1.ReplicaSet{}, oldRSs...), newRS))
	var allowed int32
	if replicasOf(d) > 0 {
		allowed = replicasOf(d) + maxSurge(d)
	}
	toAdd := allowed - sumReplicas(all)
	// Larger ReplicaSets first; among equals, newer ones grow first and
	// older ones shrink first.
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if rsReplicas(a) != rsReplicas(b) {
			return rsReplicas(a) > rsReplicas(b)
		}
		if a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.Name < b.Name
		}
		if toAdd > 0 {
			return b.CreationTimestamp.Before(&a.CreationTimestamp)
		}
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	})
	sizes := make([]int32, len(all))
	var added int32
	for i, rs := range all {
		sizes[i] = rsReplicas(rs)
		if toAdd != 0 {
			p := proportion(rs, d, toAdd, added)
			sizes[i] += p
			added += p
		}
	}
	// Rounding leftovers go to the largest ReplicaSet.
	if len(all) > 0 && toAdd != 0 {
		sizes[0] = max(0, sizes[0]+toAdd-added)
	}
	var steps []scaleStep
	for i, rs := range all {
		steps = append(steps, scaleStep{rs: rs, replicas: sizes[i]})
	}
	return steps
}

// activeOrLatest returns the only ReplicaSet with pods, or the newest one
// when none has any; nil when several have pods.
func activeOrLatest(newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	if newRS == nil && len(oldRSs) == 0 {
		return nil
	}
	all := activeReplicaSets(append(append([]*appsv1.ReplicaSet{}, oldRSs...), newRS))
	switch len(all) {
	case 0:
		if newRS != nil {
			return newRS
		}
		olds := byCreation(oldRSs)
		return olds[len(olds)-1]
	case 1:
		return all[0]
	}
	return nil
}

// isSaturated: the new ReplicaSet alone runs every replica, available.
func isSaturated(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	desired, ok := intAnnotation(rs, desiredReplicasAnnotation)
	return ok && desired == replicasOf(d) && rsReplicas(rs) == replicasOf(d) && rs.Status.AvailableReplicas == replicasOf(d)
}

// proportion is rs's share of toAdd, bounded by what remains of it.
func proportion(rs *appsv1.ReplicaSet, d *appsv1.Deployment, toAdd, added int32) int32 {
	if rs == nil || rsReplicas(rs) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	fraction := fraction(rs, d)
	allowed := toAdd - added
	if allowed > 0 {
		return min(fraction, allowed)
	}
	return max(fraction, allowed)
}

// fraction is how much rs would change if every ReplicaSet kept its share
// of the deployment between the size recorded in max-replicas and the new
// one.
func fraction(rs *appsv1.ReplicaSet, d *appsv1.Deployment) int32 {
	if replicasOf(d) == 0 {
		return -rsReplicas(rs)
	}
	target := replicasOf(d) + maxSurge(d)
	annotated, ok := intAnnotation(rs, maxReplicasAnnotation)
	if !ok || annotated == 0 {
		annotated = d.Status.Replicas
	}
	if annotated == 0 {
		return 0
	}
	size := float64(rsReplicas(rs)*target) / float64(annotated)
	return int32(math.Round(size)) - rsReplicas(rs)
}

// isScalingEvent reports whether an active ReplicaSet was sized for a
// different spec.replicas than the deployment has now.
func isScalingEvent(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) bool {
	for _, rs := range activeReplicaSets(rss) {
		if desired, ok := intAnnotation(rs, desiredReplicasAnnotation); ok && desired != replicasOf(d) {
			return true
		}
	}
	return false
}
