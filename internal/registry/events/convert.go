package events

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ToCore converts an events.k8s.io/v1 Event to the core/v1 Event it is
// stored as. A core Event is returned unchanged.
func ToCore(obj runtime.Object) (runtime.Object, error) {
	switch in := obj.(type) {
	case *corev1.Event:
		return in, nil
	case *eventsv1.Event:
		out := &corev1.Event{
			ObjectMeta:          *in.ObjectMeta.DeepCopy(),
			InvolvedObject:      in.Regarding,
			Reason:              in.Reason,
			Message:             in.Note,
			Source:              in.DeprecatedSource,
			FirstTimestamp:      in.DeprecatedFirstTimestamp,
			LastTimestamp:       in.DeprecatedLastTimestamp,
			Count:               in.DeprecatedCount,
			Type:                in.Type,
			EventTime:           in.EventTime,
			Action:              in.Action,
			ReportingController: in.ReportingController,
			ReportingInstance:   in.ReportingInstance,
		}
		out.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Event"))
		if in.Series != nil {
			out.Series = &corev1.EventSeries{Count: in.Series.Count, LastObservedTime: in.Series.LastObservedTime}
		}
		if in.Related != nil {
			out.Related = in.Related.DeepCopy()
		}
		return out, nil
	}
	return nil, fmt.Errorf("convert %T to a core event: not an event", obj)
}

// FromCore converts a stored core/v1 Event to its events.k8s.io/v1 form. An
// events.k8s.io Event is returned unchanged.
func FromCore(obj runtime.Object) (runtime.Object, error) {
	switch in := obj.(type) {
	case *eventsv1.Event:
		return in, nil
	case *corev1.Event:
		out := &eventsv1.Event{
			ObjectMeta:               *in.ObjectMeta.DeepCopy(),
			EventTime:                in.EventTime,
			ReportingController:      in.ReportingController,
			ReportingInstance:        in.ReportingInstance,
			Action:                   in.Action,
			Reason:                   in.Reason,
			Regarding:                in.InvolvedObject,
			Note:                     in.Message,
			Type:                     in.Type,
			DeprecatedSource:         in.Source,
			DeprecatedFirstTimestamp: in.FirstTimestamp,
			DeprecatedLastTimestamp:  in.LastTimestamp,
			DeprecatedCount:          in.Count,
		}
		out.SetGroupVersionKind(eventsv1.SchemeGroupVersion.WithKind("Event"))
		if in.Series != nil {
			out.Series = &eventsv1.EventSeries{Count: in.Series.Count, LastObservedTime: in.Series.LastObservedTime}
		}
		if in.Related != nil {
			out.Related = in.Related.DeepCopy()
		}
		return out, nil
	}
	return nil, fmt.Errorf("convert %T to an events.k8s.io event: not an event", obj)
}
