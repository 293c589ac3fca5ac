package events

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Columns is the event table of `kubectl get events`, for both APIs. Unlike
// most tables NAME is not first: it is a wide column, last.
var Columns = []metav1.TableColumnDefinition{
	{Name: "Last Seen", Type: "string", Description: corev1.Event{}.SwaggerDoc()["lastTimestamp"]},
	{Name: "Type", Type: "string", Description: corev1.Event{}.SwaggerDoc()["type"]},
	{Name: "Reason", Type: "string", Description: corev1.Event{}.SwaggerDoc()["reason"]},
	{Name: "Object", Type: "string", Description: corev1.Event{}.SwaggerDoc()["involvedObject"]},
	{Name: "Subobject", Type: "string", Priority: 1, Description: corev1.ObjectReference{}.SwaggerDoc()["fieldPath"]},
	{Name: "Source", Type: "string", Priority: 1, Description: corev1.Event{}.SwaggerDoc()["source"]},
	{Name: "Message", Type: "string", Description: corev1.Event{}.SwaggerDoc()["message"]},
	{Name: "First Seen", Type: "string", Priority: 1, Description: corev1.Event{}.SwaggerDoc()["firstTimestamp"]},
	{Name: "Count", Type: "string", Priority: 1, Description: corev1.Event{}.SwaggerDoc()["count"]},
	{Name: "Name", Type: "string", Priority: 1, Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
}

// Row is one event's cells, in Columns order. Old-style events carry first
// and last timestamps and a count; new-style ones an event time and maybe a
// series, which then supplies the last time and count.
func Row(ev *corev1.Event) []interface{} {
	first := registry.Age(ev.FirstTimestamp)
	if ev.FirstTimestamp.IsZero() {
		first = registry.Age(metav1.Time{Time: ev.EventTime.Time})
	}
	last := registry.Age(ev.LastTimestamp)
	if ev.LastTimestamp.IsZero() {
		last = first
	}
	count := ev.Count
	if ev.Series != nil {
		last = registry.Age(metav1.Time{Time: ev.Series.LastObservedTime.Time})
		count = ev.Series.Count
	} else if count == 0 {
		count = 1 // a new-style singleton event has no count
	}
	target := strings.ToLower(ev.InvolvedObject.Kind)
	if ev.InvolvedObject.Name != "" {
		target = fmt.Sprintf("%s/%s", target, ev.InvolvedObject.Name)
	}
	return []interface{}{
		last, ev.Type, ev.Reason, target, ev.InvolvedObject.FieldPath,
		source(ev), strings.TrimSpace(ev.Message), first, int64(count), ev.Name,
	}
}

// source renders SOURCE from the old source fields, falling back to the new
// reporting fields: "kubelet, node-1".
func source(ev *corev1.Event) string {
	component, host := ev.Source.Component, ev.Source.Host
	if component == "" {
		component = ev.ReportingController
	}
	if host == "" {
		host = ev.ReportingInstance
	}
	if host == "" {
		return component
	}
	return component + ", " + host
}

// Fields are the selectable fields of a core event beyond metadata.name and
// metadata.namespace (`kubectl get events --field-selector
// involvedObject.name=web`).
func Fields(ev *corev1.Event) fields.Set {
	src := ev.Source.Component
	if src == "" {
		src = ev.ReportingController
	}
	ref := ev.InvolvedObject
	return fields.Set{
		"involvedObject.kind":            ref.Kind,
		"involvedObject.namespace":       ref.Namespace,
		"involvedObject.name":            ref.Name,
		"involvedObject.uid":             string(ref.UID),
		"involvedObject.apiVersion":      ref.APIVersion,
		"involvedObject.resourceVersion": ref.ResourceVersion,
		"involvedObject.fieldPath":       ref.FieldPath,
		"reason":                         ev.Reason,
		"reportingComponent":             ev.ReportingController,
		"source":                         src,
		"type":                           ev.Type,
	}
}
