package apiserver

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
)

var (
	priorityClassGVR = schema.GroupVersionResource{Group: "scheduling.k8s.io", Version: "v1", Resource: "priorityclasses"}
	podsGR           = schema.GroupResource{Resource: "pods"}
)

// admitPodPriority resolves a new pod's priority from its PriorityClass (or
// the global default class), as the Priority admission plugin does: the
// scheduler and preemption read spec.priority, never the class.
func (s *Server) admitPodPriority(ctx context.Context, pod *corev1.Pod) error {
	res, ok := s.Lookup(priorityClassGVR)
	if !ok {
		return nil
	}
	var class *schedulingv1.PriorityClass
	if name := pod.Spec.PriorityClassName; name != "" {
		obj, err := s.store.GetCached(ctx, s.key(res, "", name))
		if err != nil {
			obj, err = s.store.Get(ctx, s.key(res, "", name))
		}
		if err != nil {
			return apierrors.NewForbidden(podsGR, pod.Name, fmt.Errorf("no PriorityClass with name %s was found", name))
		}
		class, _ = obj.(*schedulingv1.PriorityClass)
	} else {
		list, err := s.store.List(ctx, s.prefix(res, ""), storage.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return storageError(err, priorityClassGVR.GroupResource(), "")
		}
		for _, obj := range list.Items {
			if pc, ok := obj.(*schedulingv1.PriorityClass); ok && pc.GlobalDefault && (class == nil || pc.Value > class.Value) {
				class = pc
			}
		}
	}
	var value int32
	if class != nil {
		value = class.Value
		pod.Spec.PriorityClassName = class.Name
	}
	if pod.Spec.Priority != nil && *pod.Spec.Priority != value {
		return apierrors.NewForbidden(podsGR, pod.Name, fmt.Errorf("the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name", *pod.Spec.Priority, value))
	}
	pod.Spec.Priority = &value
	if pod.Spec.PreemptionPolicy == nil && class != nil && class.PreemptionPolicy != nil {
		p := *class.PreemptionPolicy
		pod.Spec.PreemptionPolicy = &p
	}
	return nil
}
