package tainteviction

import (
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
)

// verdict is what a pod on a NoExecute-tainted node is due.
type verdict struct {
	// evict is false when the pod tolerates the taints forever.
	evict bool
	// at is when to evict (zero: at once).
	at time.Time
}

// decide applies taint eviction to one pod: a NoExecute taint no
// toleration matches evicts at once; otherwise the shortest
// tolerationSeconds among the matching tolerations counts from the
// earliest timeAdded of the taints (since, for taints without one); when
// no matching toleration has seconds, the pod stays.
func decide(tolerations []corev1.Toleration, taints []corev1.Taint, since time.Time) verdict {
	var used []corev1.Toleration
	start := time.Time{}
	for i := range taints {
		taint := &taints[i]
		if taint.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		matched := false
		for _, tol := range tolerations {
			// Comparison operators are an alpha feature; taints compare by equality.
			if tol.ToleratesTaint(logr.Discard(), taint, false) {
				used, matched = append(used, tol), true
			}
		}
		if !matched {
			return verdict{evict: true}
		}
		added := since
		if taint.TimeAdded != nil {
			added = taint.TimeAdded.Time
		}
		if start.IsZero() || added.Before(start) {
			start = added
		}
	}
	if len(used) == 0 {
		return verdict{}
	}
	minSeconds := int64(-1)
	for _, tol := range used {
		if s := tol.TolerationSeconds; s != nil && (minSeconds < 0 || *s < minSeconds) {
			minSeconds = max(*s, 0)
		}
	}
	if minSeconds < 0 {
		return verdict{}
	}
	return verdict{evict: true, at: start.Add(time.Duration(minSeconds) * time.Second)}
}

// noExecute says whether a node carries any NoExecute taint.
func noExecute(taints []corev1.Taint) bool {
	for _, t := range taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			return true
		}
	}
	return false
}
