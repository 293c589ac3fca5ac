package deployment

import (
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	intstrutil "k8s.io/apimachinery/pkg/util/intstr"
)

// resolveFenceposts turns maxSurge and maxUnavailable into pod counts for
// desired replicas: surge rounds up and unavailable down, so that 25% of 3
// lets one extra pod start but takes none down. Both zero would make no
// progress possible, so unavailable becomes 1.
func resolveFenceposts(surge, unavailable *intstrutil.IntOrString, desired int32) (int32, int32) {
	zero := intstrutil.FromInt32(0)
	if surge == nil {
		surge = &zero
	}
	if unavailable == nil {
		unavailable = &zero
	}
	s, err := intstrutil.GetScaledValueFromIntOrPercent(surge, int(desired), true)
	if err != nil {
		s = 0
	}
	u, err := intstrutil.GetScaledValueFromIntOrPercent(unavailable, int(desired), false)
	if err != nil {
		u = 0
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(u)
}

func replicasOf(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

func rsReplicas(rs *appsv1.ReplicaSet) int32 {
	if rs == nil || rs.Spec.Replicas == nil {
		return 0
	}
	return *rs.Spec.Replicas
}

func isRollingUpdate(d *appsv1.Deployment) bool {
	return d.Spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType && d.Spec.Strategy.RollingUpdate != nil
}

// maxSurge is how many pods above spec.replicas a rollout may run.
func maxSurge(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) {
		return 0
	}
	s, _ := resolveFenceposts(d.Spec.Strategy.RollingUpdate.MaxSurge, d.Spec.Strategy.RollingUpdate.MaxUnavailable, replicasOf(d))
	return s
}

// maxUnavailable is how many of spec.replicas may be unavailable during a
// rollout, never more than spec.replicas.
func maxUnavailable(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) || replicasOf(d) == 0 {
		return 0
	}
	_, u := resolveFenceposts(d.Spec.Strategy.RollingUpdate.MaxSurge, d.Spec.Strategy.RollingUpdate.MaxUnavailable, replicasOf(d))
	return min(u, replicasOf(d))
}

func sumReplicas(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += rsReplicas(rs)
	}
	return n
}

func sumAvailable(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += rs.Status.AvailableReplicas
		}
	}
	return n
}

// newRSReplicas is the size the new ReplicaSet may grow to now: for a
// rolling update, as far as maxSurge allows over all ReplicaSets' sizes.
func newRSReplicas(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) int32 {
	if !isRollingUpdate(d) {
		return replicasOf(d)
	}
	current := sumReplicas(all)
	maxTotal := replicasOf(d) + maxSurge(d)
	if current >= maxTotal {
		return rsReplicas(newRS)
	}
	up := min(maxTotal-current, replicasOf(d)-rsReplicas(newRS))
	return rsReplicas(newRS) + up
}

// scaleStep is one decision: set rs to replicas.
type scaleStep struct {
	rs       *appsv1.ReplicaSet
	replicas int32
}

// planOldScaleDown decides how far old ReplicaSets shrink in a rolling
// update, keeping at least spec.replicas-maxUnavailable pods available. It
// first removes old pods that are not available (they count against
// nothing), oldest ReplicaSet first, then available ones down to the
// availability floor.
func planOldScaleDown(d *appsv1.Deployment, oldRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) []scaleStep {
	if sumReplicas(oldRSs) == 0 {
		return nil
	}
	all := append(append([]*appsv1.ReplicaSet{}, oldRSs...), newRS)
	minAvailable := replicasOf(d) - maxUnavailable(d)
	newUnavailable := rsReplicas(newRS)
	if newRS != nil {
		newUnavailable -= newRS.Status.AvailableReplicas
	}
	budget := sumReplicas(all) - minAvailable - newUnavailable
	if budget <= 0 {
		return nil
	}
	olds := byCreation(oldRSs)
	sizes := make([]int32, len(olds))
	for i, rs := range olds {
		sizes[i] = rsReplicas(rs)
	}
	var done int32
	for i, rs := range olds {
		if done >= budget {
			break
		}
		unhealthy := sizes[i] - rs.Status.AvailableReplicas
		if sizes[i] == 0 || unhealthy <= 0 {
			continue
		}
		n := min(budget-done, unhealthy)
		sizes[i] -= n
		done += n
	}
	available := sumAvailable(all)
	if available > minAvailable {
		total, down := available-minAvailable, int32(0)
		for i := range olds {
			if down >= total {
				break
			}
			if sizes[i] == 0 {
				continue
			}
			n := min(sizes[i], total-down)
			sizes[i] -= n
			down += n
		}
	}
	var steps []scaleStep
	for i, rs := range olds {
		if sizes[i] != rsReplicas(rs) {
			steps = append(steps, scaleStep{rs: rs, replicas: sizes[i]})
		}
	}
	return steps
}

// byCreation sorts oldest first, by name among equals, without touching
// the caller's slice.
func byCreation(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	out := append([]*appsv1.ReplicaSet{}, rss...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Name < b.Name
	})
	return out
}

func activeReplicaSets(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range rss {
		if rs != nil && rsReplicas(rs) > 0 {
			out = append(out, rs)
		}
	}
	return out
}
