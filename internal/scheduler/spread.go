package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// defaultSpreadSelector selects the pods that belong with pod for the
// system default spreading: those of the Services and ReplicationControllers
// selecting it, and of the ReplicaSet or StatefulSet controlling it. Only
// the controller owner is looked up (by name), not every set whose selector
// happens to match, which keeps it O(1) per pod.
func (s *Scheduler) defaultSpreadSelector(pod *corev1.Pod) labels.Selector {
	set := labels.Set{}
	podLabels := labels.Set(pod.Labels)
	if svcs, err := s.services.Services(pod.Namespace).List(labels.Everything()); err == nil {
		for _, svc := range svcs {
			if len(svc.Spec.Selector) > 0 && labels.Set(svc.Spec.Selector).AsSelectorPreValidated().Matches(podLabels) {
				for k, v := range svc.Spec.Selector {
					set[k] = v
				}
			}
		}
	}
	sel := labels.NewSelector()
	if len(set) > 0 {
		sel = labels.SelectorFromSet(set)
	}
	owner := metav1.GetControllerOf(pod)
	if owner == nil {
		return sel
	}
	var ls *metav1.LabelSelector
	switch owner.Kind {
	case "ReplicaSet":
		if rs, err := s.replicaSets.ReplicaSets(pod.Namespace).Get(owner.Name); err == nil && rs.UID == owner.UID {
			ls = rs.Spec.Selector
		}
	case "StatefulSet":
		if ss, err := s.statefulSets.StatefulSets(pod.Namespace).Get(owner.Name); err == nil && ss.UID == owner.UID {
			ls = ss.Spec.Selector
		}
	case "ReplicationController":
		if rc, err := s.controllers.ReplicationControllers(pod.Namespace).Get(owner.Name); err == nil && rc.UID == owner.UID && len(rc.Spec.Selector) > 0 {
			ls = &metav1.LabelSelector{MatchLabels: rc.Spec.Selector}
		}
	}
	if ls == nil {
		return sel
	}
	other, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return sel
	}
	reqs, _ := other.Requirements()
	return sel.Add(reqs...)
}
