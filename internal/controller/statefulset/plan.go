package statefulset

import (
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

// action is one thing the controller does to a pod in a sync.
type action int

const (
	createPod   action = iota // create the pod of an ordinal
	recreatePod               // delete a failed or succeeded pod and create it again
	condemnPod                // delete a pod beyond the replica count
	updatePod                 // delete a pod of an old revision so it returns updated
)

type step struct {
	action  action
	ordinal int
	pod     *corev1.Pod // nil for createPod
}

// view is what the planner needs of a StatefulSet, already defaulted.
type view struct {
	name            string
	start, replicas int
	parallel        bool
	rolling         bool
	partition       int
	maxUnavailable  int
	updateRevision  string
	minReadySeconds int32
	now             time.Time
}

// ordinalOf parses <set>-<ordinal>; ok is false for any other name.
func ordinalOf(set, pod string) (int, bool) {
	rest, found := strings.CutPrefix(pod, set+"-")
	if !found {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || strconv.Itoa(n) != rest {
		return 0, false
	}
	return n, true
}

// available is running, ready, and ready for minReadySeconds.
func available(p *corev1.Pod, minReady int32, now time.Time) bool {
	if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
		return false
	}
	return podstatus.ReadyFor(p, time.Duration(minReady)*time.Second, now)
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded
}

func revisionOf(p *corev1.Pod) string { return p.Labels["controller-revision-hash"] }

// plan lists, in order, what one sync does. OrderedReady stops at the first
// step or unhealthy pod because each pod must be Running and Ready before
// the next ordinal is touched; Parallel does everything at once. Rolling
// updates go from the highest ordinal down to the partition, never making
// more than maxUnavailable pods unavailable.
func plan(v view, pods []*corev1.Pod) []step {
	replicas := map[int]*corev1.Pod{}
	var condemned []*corev1.Pod
	for _, p := range pods {
		ord, ok := ordinalOf(v.name, p.Name)
		if !ok {
			continue
		}
		if ord >= v.start && ord < v.start+v.replicas {
			replicas[ord] = p
		} else {
			condemned = append(condemned, p)
		}
	}
	ordered := !v.parallel
	var steps []step
	for ord := v.start; ord < v.start+v.replicas; ord++ {
		p := replicas[ord]
		switch {
		case p == nil:
			steps = append(steps, step{action: createPod, ordinal: ord})
		case terminal(p) && p.DeletionTimestamp == nil:
			steps = append(steps, step{action: recreatePod, ordinal: ord, pod: p})
		case available(p, v.minReadySeconds, v.now):
			continue
		}
		if ordered {
			return steps
		}
	}
	sort.Slice(condemned, func(i, j int) bool {
		a, _ := ordinalOf(v.name, condemned[i].Name)
		b, _ := ordinalOf(v.name, condemned[j].Name)
		return a > b
	})
	for _, p := range condemned {
		if p.DeletionTimestamp == nil {
			ord, _ := ordinalOf(v.name, p.Name)
			steps = append(steps, step{action: condemnPod, ordinal: ord, pod: p})
		}
		if ordered {
			return steps
		}
	}
	if !v.rolling {
		return steps
	}
	unavailable := 0
	for _, p := range replicas {
		if !available(p, v.minReadySeconds, v.now) {
			unavailable++
		}
	}
	for ord := v.start + v.replicas - 1; ord >= v.start+v.partition; ord-- {
		p := replicas[ord]
		if p == nil || p.DeletionTimestamp != nil || revisionOf(p) == v.updateRevision {
			continue
		}
		// Replacing a pod that is already unavailable costs no availability.
		if available(p, v.minReadySeconds, v.now) {
			if unavailable >= v.maxUnavailable {
				break
			}
			unavailable++
		}
		steps = append(steps, step{action: updatePod, ordinal: ord, pod: p})
	}
	return steps
}
