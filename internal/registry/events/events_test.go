package events

import (
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	t0 = time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	ts = metav1.NewTime(t0)
	mt = metav1.NewMicroTime(t0)
)

func newEvent() *eventsv1.Event {
	return &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "web.1", Namespace: "default"},
		EventTime:           mt,
		Series:              &eventsv1.EventSeries{Count: 3, LastObservedTime: mt},
		ReportingController: "bosun.dev/scheduler",
		ReportingInstance:   "cp-1",
		Action:              "Binding",
		Reason:              "Scheduled",
		Regarding:           corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web", UID: "u1"},
		Related:             &corev1.ObjectReference{Kind: "Node", Name: "node-1"},
		Note:                "Successfully assigned default/web to node-1",
		Type:                corev1.EventTypeNormal,
	}
}

func wantErrors(t *testing.T, got field.ErrorList, want ...string) {
	t.Helper()
	var g []string
	for _, e := range got {
		g = append(g, e.Error())
	}
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n got: %q\nwant: %q", g, want)
	}
}

func TestConversion(t *testing.T) {
	in := newEvent()
	in.DeprecatedSource = corev1.EventSource{Component: "old", Host: "h"}
	in.DeprecatedFirstTimestamp, in.DeprecatedLastTimestamp, in.DeprecatedCount = ts, ts, 7
	c, err := ToCore(in)
	if err != nil {
		t.Fatal(err)
	}
	core := c.(*corev1.Event)
	want := &corev1.Event{
		TypeMeta:            metav1.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta:          in.ObjectMeta,
		InvolvedObject:      in.Regarding,
		Reason:              "Scheduled",
		Message:             in.Note,
		Source:              corev1.EventSource{Component: "old", Host: "h"},
		FirstTimestamp:      ts,
		LastTimestamp:       ts,
		Count:               7,
		Type:                "Normal",
		EventTime:           mt,
		Series:              &corev1.EventSeries{Count: 3, LastObservedTime: mt},
		Action:              "Binding",
		Related:             in.Related,
		ReportingController: "bosun.dev/scheduler",
		ReportingInstance:   "cp-1",
	}
	if !reflect.DeepEqual(core, want) {
		t.Errorf("ToCore:\n got %+v\nwant %+v", core, want)
	}
	back, err := FromCore(core)
	if err != nil {
		t.Fatal(err)
	}
	in.APIVersion, in.Kind = "events.k8s.io/v1", "Event"
	if !reflect.DeepEqual(back, in) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, in)
	}
	if _, err := ToCore(&corev1.Pod{}); err == nil {
		t.Errorf("converted a pod")
	}
	if same, _ := FromCore(in); same != in {
		t.Errorf("FromCore of an events.k8s.io event should return it")
	}
}

func TestValidateEventsAPI(t *testing.T) {
	r := Rules()[eventsv1.SchemeGroupVersion.WithKind("Event")]
	wantErrors(t, r.Validate(newEvent()))

	bare := &eventsv1.Event{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "default"}, Type: "Info",
		DeprecatedCount: 2, DeprecatedSource: corev1.EventSource{Component: "kubelet"}}
	wantErrors(t, r.Validate(bare),
		"eventTime: Required value",
		`type: Invalid value: "": has invalid value: Info`,
		`deprecatedCount: Invalid value: "": needs to be unset`,
		`deprecatedSource: Invalid value: "": needs to be unset`,
	)

	noisy := newEvent()
	noisy.ReportingController, noisy.ReportingInstance = "", ""
	noisy.Note = strings.Repeat("x", 1025)
	noisy.Series.Count = 1
	noisy.Regarding.Namespace = "other"
	errs := r.Validate(noisy)
	var got []string
	for _, e := range errs {
		got = append(got, e.Field+" "+string(e.Type))
	}
	wantFields := []string{
		"reportingController FieldValueRequired", "reportingController FieldValueInvalid", "reportingController FieldValueInvalid",
		"reportingInstance FieldValueRequired", "message FieldValueInvalid", "series.count FieldValueInvalid",
	}
	if !reflect.DeepEqual(got, wantFields) {
		t.Errorf("errors %v, want %v", got, wantFields)
	}
}

func TestValidateCoreAPI(t *testing.T) {
	// Through core/v1 an old-style event needs only consistent namespaces.
	old := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "other"}}
	wantErrors(t, Validate(old, true), `involvedObject.namespace: Invalid value: "other": does not match event.namespace`)
	node := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "default"}, InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "n1"}}
	wantErrors(t, Validate(node, true))
	newStyle := node.DeepCopy()
	newStyle.EventTime = mt
	wantErrors(t, Validate(newStyle, true),
		"reportingComponent: Required value",
		`reportingComponent: Invalid value: "": name part must be non-empty`,
		`reportingComponent: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
		"reportingInstance: Required value",
		"action: Required value",
		"reason: Required value",
	)
}

func TestValidateUpdate(t *testing.T) {
	r := Rules()[eventsv1.SchemeGroupVersion.WithKind("Event")]
	old := newEvent()
	n := old.DeepCopy()
	n.Series.Count = 4
	wantErrors(t, r.ValidateUpdate(n, old))
	n.Note = "changed"
	wantErrors(t, r.ValidateUpdate(n, old), `message: Invalid value: "changed": field is immutable`)
	// core/v1 updates stay lenient.
	c, _ := ToCore(n)
	o, _ := ToCore(old)
	wantErrors(t, ValidateUpdate(c.(*corev1.Event), o.(*corev1.Event), true))
}

func TestTableAndFields(t *testing.T) {
	r := Rules()[eventsv1.SchemeGroupVersion.WithKind("Event")]
	ev := newEvent()
	ev.EventTime = metav1.NewMicroTime(time.Now().Add(-3 * time.Minute))
	ev.Series.LastObservedTime = metav1.NewMicroTime(time.Now().Add(-1 * time.Minute))
	want := []interface{}{"60s", "Normal", "Scheduled", "pod/web", "", "bosun.dev/scheduler, cp-1",
		"Successfully assigned default/web to node-1", "3m", int64(3), "web.1"}
	if got := r.Row(ev); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if len(r.Columns) != len(want) {
		t.Errorf("%d columns for %d cells", len(r.Columns), len(want))
	}
	legacy := &corev1.Event{Source: corev1.EventSource{Component: "kubelet"}, InvolvedObject: corev1.ObjectReference{Kind: "Node"}, Message: " x \n"}
	row := Row(legacy)
	if row[0] != "<unknown>" || row[3] != "node" || row[5] != "kubelet" || row[6] != "x" || row[8] != int64(1) {
		t.Errorf("legacy row %#v", row)
	}

	f := r.Fields(ev)
	for k, v := range map[string]string{
		"involvedObject.name": "web", "regarding.name": "web", "regarding.kind": "Pod",
		"reportingComponent": "bosun.dev/scheduler", "reportingController": "bosun.dev/scheduler",
		"source": "bosun.dev/scheduler", "type": "Normal", "reason": "Scheduled",
	} {
		if f[k] != v {
			t.Errorf("field %s = %q, want %q", k, f[k], v)
		}
	}
}
