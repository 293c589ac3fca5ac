package replicaset

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

// podsToDelete picks the n pods whose loss hurts least, in Kubernetes'
// order: unscheduled before scheduled, Pending before Unknown before
// Running, not ready before ready, pods sharing a node with more of their
// siblings first, the most recently ready, the most restarted, then the
// newest.
func podsToDelete(active []*corev1.Pod, n int) []*corev1.Pod {
	if n >= len(active) {
		return active
	}
	perNode := map[string]int{}
	for _, p := range active {
		if p.Spec.NodeName != "" {
			perNode[p.Spec.NodeName]++
		}
	}
	ranked := make([]rankedPod, len(active))
	for i, p := range active {
		ranked[i] = rankedPod{pod: p, colocated: perNode[p.Spec.NodeName]}
	}
	sort.SliceStable(ranked, func(i, j int) bool { return deleteFirst(ranked[i], ranked[j]) })
	out := make([]*corev1.Pod, n)
	for i := range out {
		out[i] = ranked[i].pod
	}
	return out
}

type rankedPod struct {
	pod       *corev1.Pod
	colocated int
}

var phaseOrder = map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}

// deleteFirst reports whether a should go before b.
func deleteFirst(a, b rankedPod) bool {
	pa, pb := a.pod, b.pod
	if (pa.Spec.NodeName == "") != (pb.Spec.NodeName == "") {
		return pa.Spec.NodeName == ""
	}
	if phaseOrder[pa.Status.Phase] != phaseOrder[pb.Status.Phase] {
		return phaseOrder[pa.Status.Phase] < phaseOrder[pb.Status.Phase]
	}
	ra, rb := podstatus.Ready(pa), podstatus.Ready(pb)
	if ra != rb {
		return !ra
	}
	if a.colocated != b.colocated {
		return a.colocated > b.colocated
	}
	if ra {
		ta, tb := readySince(pa), readySince(pb)
		if !ta.Equal(tb) {
			return ta.After(tb)
		}
	}
	if restarts(pa) != restarts(pb) {
		return restarts(pa) > restarts(pb)
	}
	if !pa.CreationTimestamp.Equal(&pb.CreationTimestamp) {
		return pb.CreationTimestamp.Before(&pa.CreationTimestamp)
	}
	return pa.Name > pb.Name
}

func readySince(p *corev1.Pod) time.Time {
	if c := podstatus.Condition(p, corev1.PodReady); c != nil {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

func restarts(p *corev1.Pod) int32 {
	var most int32
	for _, s := range p.Status.ContainerStatuses {
		most = max(most, s.RestartCount)
	}
	return most
}
