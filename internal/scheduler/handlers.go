package scheduler

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/bosun-dev/bosun/internal/scheduler/framework"
)

// addHandlers routes informer events: bound pods and nodes to the cache,
// pending pods of ours to the queue, and changes that may free room to a
// wake-up of parked pods.
func (s *Scheduler) addHandlers(pods, nodes, namespaces toolscache.SharedIndexInformer) {
	_, _ = pods.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if pod, ok := obj.(*corev1.Pod); ok {
				s.podAdded(pod)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			old, ok1 := oldObj.(*corev1.Pod)
			cur, ok2 := newObj.(*corev1.Pod)
			if ok1 && ok2 && old.ResourceVersion != cur.ResourceVersion {
				s.podUpdated(old, cur)
			}
		},
		DeleteFunc: func(obj any) {
			if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				s.podDeleted(pod)
			}
		},
	})
	_, _ = nodes.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if node, ok := obj.(*corev1.Node); ok {
				s.cache.SetNode(node)
				s.queue.MoveAllToActiveOrBackoff()
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			old, ok1 := oldObj.(*corev1.Node)
			cur, ok2 := newObj.(*corev1.Node)
			if ok1 && ok2 && old.ResourceVersion != cur.ResourceVersion {
				s.nodeUpdated(old, cur)
			}
		},
		DeleteFunc: func(obj any) {
			if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if node, ok := obj.(*corev1.Node); ok {
				s.cache.RemoveNode(node.Name)
			}
		},
	})
	_, _ = namespaces.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if ns, ok := obj.(*corev1.Namespace); ok {
				s.cache.SetNamespace(ns)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			old, ok1 := oldObj.(*corev1.Namespace)
			cur, ok2 := newObj.(*corev1.Namespace)
			if ok1 && ok2 && !reflect.DeepEqual(old.Labels, cur.Labels) {
				s.cache.SetNamespace(cur)
			}
		},
		DeleteFunc: func(obj any) {
			if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if ns, ok := obj.(*corev1.Namespace); ok {
				s.cache.RemoveNamespace(ns.Name)
			}
		},
	})
}

// ours reports whether the pod waits for this scheduler.
func (s *Scheduler) ours(pod *corev1.Pod) bool {
	return pod.Spec.NodeName == "" && pod.Spec.SchedulerName == s.opts.SchedulerName &&
		pod.DeletionTimestamp == nil && len(pod.Spec.SchedulingGates) == 0 && !terminated(pod)
}

func (s *Scheduler) podAdded(pod *corev1.Pod) {
	switch {
	case pod.Spec.NodeName != "" && !terminated(pod):
		s.cache.AddPod(pod)
	case s.ours(pod):
		s.queue.Add(pod)
		s.holdNomination(pod)
	}
}

// holdNomination keeps room for a preemptor nominated by an earlier
// attempt, including one made by a previous leader.
func (s *Scheduler) holdNomination(pod *corev1.Pod) {
	if nn := pod.Status.NominatedNodeName; nn != "" && !s.cache.IsAssumedOrBound(pod.UID) {
		s.cache.SetNominated(framework.NewPodInfo(pod), nn)
	}
}

func (s *Scheduler) podUpdated(old, cur *corev1.Pod) {
	if cur.Spec.NodeName == "" {
		if s.ours(cur) {
			s.queue.Update(cur)
			if cur.Status.NominatedNodeName != old.Status.NominatedNodeName {
				s.holdNomination(cur)
			}
		} else {
			s.queue.Delete(cur.UID)
		}
		return
	}
	if old.Spec.NodeName == "" {
		// Bound (by us or anyone): it leaves the queue, joins the cache.
		s.queue.Delete(cur.UID)
		s.forgetFailure(cur)
		if !terminated(cur) {
			s.cache.AddPod(cur)
		}
		return
	}
	switch {
	case terminated(cur) && !terminated(old):
		s.cache.RemovePod(cur.UID)
		s.queue.MoveAllToActiveOrBackoff()
	case terminated(cur):
	case !reflect.DeepEqual(old.Labels, cur.Labels):
		s.cache.UpdatePod(cur)
		s.queue.MoveAllToActiveOrBackoff()
	case (old.DeletionTimestamp == nil) != (cur.DeletionTimestamp == nil) || !reflect.DeepEqual(old.Spec, cur.Spec):
		s.cache.UpdatePod(cur)
	}
}

func (s *Scheduler) podDeleted(pod *corev1.Pod) {
	s.queue.Delete(pod.UID)
	s.cache.RemovePod(pod.UID)
	s.forgetFailure(pod)
	if pod.Spec.NodeName != "" {
		s.queue.MoveAllToActiveOrBackoff()
	}
}

// nodeUpdated skips heartbeats, which change only status conditions.
func (s *Scheduler) nodeUpdated(old, cur *corev1.Node) {
	if nodeSchedulingChanged(old, cur) {
		s.cache.SetNode(cur)
		s.queue.MoveAllToActiveOrBackoff()
	}
}

// nodeSchedulingChanged reports a change any filter or scorer looks at.
func nodeSchedulingChanged(old, cur *corev1.Node) bool {
	return old.Spec.Unschedulable != cur.Spec.Unschedulable ||
		!reflect.DeepEqual(old.Labels, cur.Labels) ||
		!reflect.DeepEqual(old.Spec.Taints, cur.Spec.Taints) ||
		!reflect.DeepEqual(old.Status.Allocatable, cur.Status.Allocatable)
}

func terminated(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}
