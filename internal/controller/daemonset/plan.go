package daemonset

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// nodeState is one node as the planner sees it.
type nodeState struct {
	name      string
	shouldRun bool
	mayStay   bool
	pods      []*corev1.Pod // live (not terminating) daemon pods, oldest first
	// backingOff holds new pods back after a failed one on this node.
	backingOff bool
}

// rollout is the update strategy, with surge and unavailability already
// scaled to the number of nodes that should run the daemon.
type rollout struct {
	rolling        bool
	maxSurge       int
	maxUnavailable int
	hash           string
	minReady       int32
	now            time.Time
}

type decision struct {
	create []string      // nodes to start a pod on
	remove []*corev1.Pod // pods to delete
	failed []*corev1.Pod // the removed pods that had failed, for events
}

// plan decides per node which daemon pods to start and stop: one pod on
// every node that should run it, none elsewhere, failed pods replaced on
// a later sync, then the rolling update's own replacements.
func plan(nodes []nodeState, r rollout) decision {
	var d decision
	kept := make([]nodeState, 0, len(nodes))
	for _, n := range nodes {
		var live []*corev1.Pod
		sawFailed := false
		for _, p := range n.pods {
			if p.Status.Phase == corev1.PodFailed {
				d.remove = append(d.remove, p)
				d.failed = append(d.failed, p)
				sawFailed = true
				continue
			}
			live = append(live, p)
		}
		switch {
		case !n.mayStay:
			d.remove = append(d.remove, live...)
			live = nil
		case !n.shouldRun:
		case len(live) == 0 && !sawFailed && !n.backingOff:
			d.create = append(d.create, n.name)
		case len(live) > 1 && !surging(live, r):
			// Keep the oldest: it has been serving longest.
			d.remove = append(d.remove, live[1:]...)
			live = live[:1]
		}
		n.pods = live
		kept = append(kept, n)
	}
	if !r.rolling {
		return d
	}
	if r.maxSurge > 0 {
		surge(kept, r, &d)
	} else {
		replace(kept, r, &d)
	}
	return d
}

// surging is one old and one updated pod on a node mid surge.
func surging(live []*corev1.Pod, r rollout) bool {
	return r.rolling && r.maxSurge > 0 && len(live) == 2 && updated(live[0], r.hash) != updated(live[1], r.hash)
}

func split(pods []*corev1.Pod, hash string) (newPod, oldPod *corev1.Pod) {
	for _, p := range pods {
		if updated(p, hash) {
			newPod = p
		} else {
			oldPod = p
		}
	}
	return newPod, oldPod
}

// replace deletes old pods, highest need first, keeping at most
// maxUnavailable nodes without an available daemon.
func replace(nodes []nodeState, r rollout, d *decision) {
	unavailable := 0
	var candidates []*corev1.Pod
	for _, n := range nodes {
		if !n.shouldRun {
			continue
		}
		newPod, oldPod := split(n.pods, r.hash)
		switch {
		case newPod == nil && oldPod == nil, newPod != nil && oldPod != nil:
			unavailable++
		case newPod != nil:
			if !available(newPod, r.minReady, r.now) {
				unavailable++
			}
		case !available(oldPod, r.minReady, r.now):
			// Replacing a pod that serves nothing costs no availability.
			d.remove = append(d.remove, oldPod)
			unavailable++
		default:
			candidates = append(candidates, oldPod)
		}
	}
	sortByNode(candidates)
	for _, p := range candidates {
		if unavailable >= r.maxUnavailable {
			return
		}
		d.remove = append(d.remove, p)
		unavailable++
	}
}

// surge starts updated pods beside old ones, up to maxSurge at a time, and
// removes each old pod once its replacement is available.
func surge(nodes []nodeState, r rollout, d *decision) {
	surging := 0
	var candidates []string
	for _, n := range nodes {
		if !n.shouldRun {
			continue
		}
		newPod, oldPod := split(n.pods, r.hash)
		switch {
		case oldPod == nil:
		case newPod != nil:
			if available(newPod, r.minReady, r.now) {
				d.remove = append(d.remove, oldPod)
			} else {
				surging++
			}
		case !available(oldPod, r.minReady, r.now):
			d.remove = append(d.remove, oldPod)
			d.create = append(d.create, n.name)
		default:
			candidates = append(candidates, n.name)
		}
	}
	sort.Strings(candidates)
	for _, name := range candidates {
		if surging >= r.maxSurge {
			return
		}
		d.create = append(d.create, name)
		surging++
	}
}

func sortByNode(pods []*corev1.Pod) {
	sort.SliceStable(pods, func(i, j int) bool { return nodeOf(pods[i]) < nodeOf(pods[j]) })
}
