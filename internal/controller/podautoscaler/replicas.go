package podautoscaler

import (
	"errors"
	"fmt"
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// calculator holds the knobs of the replica computation.
type calculator struct {
	tolerance float64
	// cpuInitialization is how long after start a pod's cpu samples are
	// distrusted unless it is ready and a full window passed since then.
	cpuInitialization time.Duration
	// readinessDelay is how long after start a not-ready pod is treated as
	// still starting rather than as unready.
	readinessDelay time.Duration
}

// samples are the pods' usage of one resource in milli-units, keyed by pod.
type samples map[string]int64

// podGroups sorts pods as Kubernetes does before computing a ratio.
type podGroups struct {
	ready   int
	unready map[string]bool // pending, or cpu not yet trustworthy
	missing map[string]bool // running but without a sample
	ignored map[string]bool // deleting or failed
}

func (c calculator) group(pods []*corev1.Pod, metrics map[string]PodMetric, res corev1.ResourceName, now time.Time) podGroups {
	g := podGroups{unready: map[string]bool{}, missing: map[string]bool{}, ignored: map[string]bool{}}
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodFailed {
			g.ignored[pod.Name] = true
			continue
		}
		if pod.Status.Phase == corev1.PodPending {
			g.unready[pod.Name] = true
			continue
		}
		m, ok := metrics[pod.Name]
		if _, has := m.Usage[res]; !ok || !has {
			g.missing[pod.Name] = true
			continue
		}
		if res == corev1.ResourceCPU && c.cpuUnready(pod, m, now) {
			g.unready[pod.Name] = true
			continue
		}
		g.ready++
	}
	return g
}

// cpuUnready: a starting pod's cpu is inflated by its start-up, so its
// sample only counts once it is ready and a full metric window has passed
// since; later, only a pod that has never been ready is left out.
func (c calculator) cpuUnready(pod *corev1.Pod, m PodMetric, now time.Time) bool {
	var cond *corev1.PodCondition
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady {
			cond = &pod.Status.Conditions[i]
		}
	}
	if cond == nil || pod.Status.StartTime == nil {
		return true
	}
	start := pod.Status.StartTime.Time
	if start.Add(c.cpuInitialization).After(now) {
		return cond.Status == corev1.ConditionFalse || m.Timestamp.Before(cond.LastTransitionTime.Add(m.Window))
	}
	return cond.Status == corev1.ConditionFalse && start.Add(c.readinessDelay).After(cond.LastTransitionTime.Time)
}

// requests sums each pod's container requests of res, in milli-units.
func requests(pods []*corev1.Pod, res corev1.ResourceName) (map[string]int64, error) {
	out := map[string]int64{}
	for _, pod := range pods {
		var sum int64
		for _, c := range pod.Spec.Containers {
			q, ok := c.Resources.Requests[res]
			if !ok {
				return nil, fmt.Errorf("missing request for %s in container %s of Pod %s", res, c.Name, pod.Name)
			}
			sum += q.MilliValue()
		}
		out[pod.Name] = sum
	}
	return out, nil
}

// utilizationRatio is usage over requests (of pods with both) against the
// target percentage; it also returns the utilization and average usage.
func utilizationRatio(s samples, reqs map[string]int64, target int32) (float64, int32, int64, error) {
	var used, requested int64
	var n int64
	for pod, v := range s {
		r, ok := reqs[pod]
		if !ok {
			continue
		}
		used += v
		requested += r
		n++
	}
	if requested == 0 {
		return 0, 0, 0, errors.New("no metrics returned matched known pods")
	}
	utilization := int32(used * 100 / requested)
	return float64(utilization) / float64(target), utilization, used / n, nil
}

// plainRatio is the average usage against a target average.
func plainRatio(s samples, target int64) (float64, int64) {
	var sum int64
	for _, v := range s {
		sum += v
	}
	avg := sum / int64(len(s))
	return float64(avg) / float64(target), avg
}

// proposal is one metric's replica count with what it saw.
type proposal struct {
	replicas    int32
	utilization *int32 // percent of request, for utilization targets
	average     int64  // milli-units per pod
}

// resourceReplicas computes the replica count one Resource metric asks
// for. Exactly one of targetUtilization (percent) and targetAverage
// (milli-units) is set.
func (c calculator) resourceReplicas(current int32, res corev1.ResourceName, targetUtilization *int32, targetAverage *int64,
	pods []*corev1.Pod, metrics map[string]PodMetric, now time.Time) (proposal, error) {
	if len(pods) == 0 {
		return proposal{}, errors.New("no pods returned by selector while calculating replica count")
	}
	g := c.group(pods, metrics, res, now)
	selected := map[string]bool{}
	for _, p := range pods {
		selected[p.Name] = true
	}
	s := samples{}
	for name, m := range metrics {
		q, ok := m.Usage[res]
		if ok && selected[name] && !g.ignored[name] && !g.unready[name] {
			s[name] = q.MilliValue()
		}
	}
	if len(s) == 0 {
		return proposal{}, errors.New("did not receive metrics for targeted pods (pods might be unready)")
	}
	var reqs map[string]int64
	ratio := func(s samples) (float64, error) {
		if targetUtilization != nil {
			r, _, _, err := utilizationRatio(s, reqs, *targetUtilization)
			return r, err
		}
		r, _ := plainRatio(s, *targetAverage)
		return r, nil
	}
	var p proposal
	var usageRatio float64
	if targetUtilization != nil {
		var err error
		if reqs, err = requests(pods, res); err != nil {
			return proposal{}, err
		}
		var util int32
		if usageRatio, util, p.average, err = utilizationRatio(s, reqs, *targetUtilization); err != nil {
			return proposal{}, err
		}
		p.utilization = &util
	} else {
		usageRatio, p.average = plainRatio(s, *targetAverage)
	}

	scaleUpWithUnready := len(g.unready) > 0 && usageRatio > 1.0
	if !scaleUpWithUnready && len(g.missing) == 0 {
		if math.Abs(1.0-usageRatio) <= c.tolerance {
			p.replicas = current
			return p, nil
		}
		p.replicas = int32(math.Ceil(usageRatio * float64(g.ready)))
		return p, nil
	}
	// Be conservative about pods without samples: assume they use the
	// target when scaling down and nothing when scaling up, so they damp
	// the move rather than drive it.
	for name := range g.missing {
		switch {
		case usageRatio < 1.0 && targetUtilization != nil:
			s[name] = reqs[name]
		case usageRatio < 1.0:
			s[name] = *targetAverage
		default:
			s[name] = 0
		}
	}
	if scaleUpWithUnready {
		for name := range g.unready {
			s[name] = 0
		}
	}
	newRatio, err := ratio(s)
	if err != nil {
		return proposal{}, err
	}
	if math.Abs(1.0-newRatio) <= c.tolerance || (usageRatio < 1.0 && newRatio > 1.0) || (usageRatio > 1.0 && newRatio < 1.0) {
		p.replicas = current
		return p, nil
	}
	n := int32(math.Ceil(newRatio * float64(len(s))))
	if (newRatio < 1.0 && n > current) || (newRatio > 1.0 && n < current) {
		n = current
	}
	p.replicas = n
	return p, nil
}
