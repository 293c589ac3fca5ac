package apps

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func daemonSet(mutate func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	ds := &appsv1.DaemonSet{
		ObjectMeta: meta("agent"),
		Spec:       appsv1.DaemonSetSpec{Selector: webSelector(), Template: podTemplate()},
	}
	daemonSetRules().Default(ds)
	if mutate != nil {
		mutate(ds)
	}
	return ds
}

func TestDaemonSetDefaults(t *testing.T) {
	s := daemonSet(nil).Spec
	want := appsv1.DaemonSetUpdateStrategy{
		Type:          appsv1.RollingUpdateDaemonSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: intOrStr("1"), MaxSurge: intOrStr("0")},
	}
	if !reflect.DeepEqual(s.UpdateStrategy, want) || *s.RevisionHistoryLimit != 10 {
		t.Errorf("defaults: %+v", s)
	}
}

func TestDaemonSetValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*appsv1.DaemonSet)
		want   []string
	}{
		{name: "valid"},
		{name: "no selector", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Selector = nil }, want: []string{
			"spec.selector: Required value",
			`spec.template.metadata.labels: Invalid value: {"app":"web"}: ` + "`selector` does not match template `labels`",
		}},
		{name: "empty selector", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Selector = &metav1.LabelSelector{} },
			want: []string{"spec.selector: Invalid value: {}: empty selector is invalid for daemonset"}},
		{name: "surge and unavailable", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge = intOrStr("10%") },
			want: []string{`spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "10%": may not be set when maxUnavailable is non-zero`}},
		{name: "neither", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = intOrStr("0") },
			want: []string{"spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"}},
		{name: "unknown strategy", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: "Big"} },
			want: []string{`spec.updateStrategy: Unsupported value: {"type":"Big"}: supported values: "RollingUpdate", "OnDelete"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, daemonSetRules().Validate(daemonSet(tc.mutate)), tc.want...)
		})
	}
}

func TestDaemonSetTemplateGeneration(t *testing.T) {
	r := daemonSetRules()
	ds := daemonSet(nil)
	r.PrepareForCreate(ds)
	if got := ds.Annotations[appsv1.DeprecatedTemplateGeneration]; got != "1" {
		t.Fatalf("created with generation %q", got)
	}
	same := ds.DeepCopy()
	same.Spec.MinReadySeconds = 4
	same.Annotations[appsv1.DeprecatedTemplateGeneration] = "7"
	r.PrepareForUpdate(same, ds)
	if got := same.Annotations[appsv1.DeprecatedTemplateGeneration]; got != "1" {
		t.Errorf("non-template update: generation %q, want 1", got)
	}
	changed := ds.DeepCopy()
	changed.Spec.Template.Spec.Containers[0].Image = "nginx:1.28"
	r.PrepareForUpdate(changed, ds)
	if got := changed.Annotations[appsv1.DeprecatedTemplateGeneration]; got != "2" {
		t.Errorf("template update: generation %q, want 2", got)
	}
}

func TestDaemonSetUpdateStatusTable(t *testing.T) {
	r := daemonSetRules()
	old := daemonSet(nil)
	n := daemonSet(func(ds *appsv1.DaemonSet) {
		ds.Spec.Selector.MatchLabels["x"] = "y"
		ds.Spec.Template.Labels["x"] = "y"
	})
	wantErrors(t, r.ValidateUpdate(n, old), `spec.selector: Invalid value: {"matchLabels":{"app":"web","x":"y"}}: field is immutable`)

	st := daemonSet(func(ds *appsv1.DaemonSet) { ds.Status.NumberReady = -1 })
	wantErrors(t, r.ValidateStatusUpdate(st, old), "status.numberReady: Invalid value: -1: must be greater than or equal to 0")

	ds := daemonSet(func(ds *appsv1.DaemonSet) {
		ds.Spec.Template.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux"}
		ds.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 3, NumberAvailable: 2}
	})
	want := []interface{}{"agent", int64(3), int64(3), int64(2), int64(3), int64(2), "kubernetes.io/os=linux", "<unknown>", "web", "nginx:1.27", "app=web"}
	if got := r.Row(ds); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if len(r.Columns) != len(want) {
		t.Errorf("%d columns for %d cells", len(r.Columns), len(want))
	}
	if got := r.Row(old)[6]; got != "<none>" {
		t.Errorf("empty node selector cell %q", got)
	}
}
