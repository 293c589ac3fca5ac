package job

import (
	"sort"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// noIndex marks a pod without a usable completion index.
const noIndex = -1

// podIndex reads a pod's completion index from its annotation.
func podIndex(p *corev1.Pod) int {
	v, ok := p.Annotations[batchv1.JobCompletionIndexAnnotation]
	if !ok {
		return noIndex
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return noIndex
	}
	return i
}

// parseIndexes reads status.completedIndexes ("1,3-5,7") into a set,
// ignoring malformed parts rather than failing the whole job.
func parseIndexes(s string) map[int]bool {
	set := map[int]bool{}
	if s == "" {
		return set
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for i := a; i <= b; i++ {
			set[i] = true
		}
	}
	return set
}

// formatIndexes writes a set in the compressed interval form Kubernetes
// uses for completedIndexes.
func formatIndexes(set map[int]bool) string {
	idx := make([]int, 0, len(set))
	for i := range set {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(idx[i]))
		} else {
			parts = append(parts, strconv.Itoa(idx[i])+"-"+strconv.Itoa(idx[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// pendingIndexes lists, lowest first, the indexes below completions that
// neither succeeded nor have an active pod.
func pendingIndexes(completions int, done map[int]bool, active []*corev1.Pod) []int {
	running := map[int]bool{}
	for _, p := range active {
		running[podIndex(p)] = true
	}
	var out []int
	for i := 0; i < completions; i++ {
		if !done[i] && !running[i] {
			out = append(out, i)
		}
	}
	return out
}
