package apiserver

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// gcFinalizers says which finalizers an object must carry for the garbage
// collector to honour a delete's propagation policy, as kube-apiserver
// decides it: the request's policy wins, then a finalizer an earlier delete
// left, then the resource's default (Background in every group version we
// serve, so no finalizer). It returns whether the list changes.
func gcFinalizers(m metav1.Object, opts *metav1.DeleteOptions) (bool, []string) {
	orphan, foreground := propagation(m.GetFinalizers(), opts)
	var next []string
	for _, f := range m.GetFinalizers() {
		if f != metav1.FinalizerOrphanDependents && f != metav1.FinalizerDeleteDependents {
			next = append(next, f)
		}
	}
	if orphan {
		next = append(next, metav1.FinalizerOrphanDependents)
	}
	if foreground {
		next = append(next, metav1.FinalizerDeleteDependents)
	}
	if sameSet(next, m.GetFinalizers()) {
		return false, m.GetFinalizers()
	}
	return true, next
}

// propagation resolves whether dependents are orphaned or deleted in the
// foreground. opts is never nil. The legacy orphanDependents field outranks propagationPolicy
// (validation refuses both set at once).
func propagation(finalizers []string, opts *metav1.DeleteOptions) (orphan, foreground bool) {
	//lint:ignore SA1019 clients still send the legacy field.
	if legacy := opts.OrphanDependents; legacy != nil {
		return *legacy, false
	}
	if opts.PropagationPolicy != nil {
		switch *opts.PropagationPolicy {
		case metav1.DeletePropagationOrphan:
			return true, false
		case metav1.DeletePropagationForeground:
			return false, true
		case metav1.DeletePropagationBackground:
			return false, false
		}
	}
	for _, f := range finalizers {
		switch f {
		case metav1.FinalizerOrphanDependents:
			return true, false
		case metav1.FinalizerDeleteDependents:
			return false, true
		}
	}
	return false, false
}

func sameSet(a, b []string) bool {
	in := make(map[string]bool, len(a))
	for _, s := range a {
		in[s] = true
	}
	seen := make(map[string]bool, len(b))
	for _, s := range b {
		if !in[s] {
			return false
		}
		seen[s] = true
	}
	return len(seen) == len(in)
}
