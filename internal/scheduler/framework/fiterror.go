package framework

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// FitError says why no node could take a pod, per node.
type FitError struct {
	Pod         *corev1.Pod
	NumAllNodes int
	Statuses    map[string]*Status
	// PostFilterMsg is preemption's own account, appended as Kubernetes
	// appends it.
	PostFilterMsg string
}

// Error renders the FailedScheduling message exactly as kube-scheduler:
// "0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2
// Insufficient cpu. preemption: …". The histogram entries are sorted as
// strings, counts included, as Kubernetes sorts them.
func (e *FitError) Error() string {
	if e.NumAllNodes == 0 && len(e.Statuses) == 0 {
		// kube-scheduler's ErrNoNodesAvailable, which it also treats as
		// unschedulable.
		return "no nodes available to schedule pods"
	}
	msg := fmt.Sprintf("0/%d nodes are available:", e.NumAllNodes)
	if h := histogram(e.Statuses); len(h) > 0 {
		msg += " " + strings.Join(h, ", ") + "."
	}
	if e.PostFilterMsg != "" {
		msg += " " + e.PostFilterMsg
	}
	return msg
}

func histogram(statuses map[string]*Status) []string {
	counts := map[string]int{}
	for _, s := range statuses {
		for _, r := range s.Reasons {
			counts[r]++
		}
	}
	out := make([]string, 0, len(counts))
	for r, n := range counts {
		out = append(out, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(out)
	return out
}
