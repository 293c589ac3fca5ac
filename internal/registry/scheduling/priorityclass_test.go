package scheduling

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func pc(name string, value int32) *schedulingv1.PriorityClass {
	p := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value}
	priorityClassRules().Default(p)
	return p
}

func TestPriorityClass(t *testing.T) {
	r := priorityClassRules()
	if p := pc("high", 1000); *p.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Errorf("default preemptionPolicy %v", *p.PreemptionPolicy)
	}
	never := pc("batch", 10)
	*never.PreemptionPolicy = "Sometimes"
	for _, tc := range []struct {
		name string
		pc   *schedulingv1.PriorityClass
		want []string
	}{
		{"user", pc("high", HighestUserDefinablePriority), nil},
		{"system", pc("system-node-critical", 2000001000), nil},
		{"too high", pc("high", HighestUserDefinablePriority+1),
			[]string{"value: Forbidden: maximum allowed value of a user defined priority is 1000000000"}},
		{"reserved name", pc("system-mine", 5),
			[]string{"metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"}},
		{"wrong system value", pc("system-cluster-critical", 5),
			[]string{"metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-cluster-critical PriorityClass must be 2000000000"}},
		{"bad policy", never, []string{`preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range r.Validate(tc.pc) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
	old := pc("high", 1000)
	n := pc("high", 2000)
	*n.PreemptionPolicy = corev1.PreemptNever
	errs := r.ValidateUpdate(n, old)
	if len(errs) != 2 || errs[0].Error() != "value: Forbidden: may not be changed in an update." ||
		errs[1].Error() != `preemptionPolicy: Invalid value: "Never": field is immutable` {
		t.Errorf("update errors %v", errs)
	}
	want := []interface{}{"high", int64(1000), false, "<unknown>", "PreemptLowerPriority"}
	if got := r.Row(old); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
}
