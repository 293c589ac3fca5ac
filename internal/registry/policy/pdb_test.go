package policy

import (
	"reflect"
	"strings"
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func ios(s string) *intstr.IntOrString {
	v := intstr.Parse(s)
	return &v
}

func TestPDBValidate(t *testing.T) {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	for _, tc := range []struct {
		name string
		spec policyv1.PodDisruptionBudgetSpec
		want []string
	}{
		{"min available", policyv1.PodDisruptionBudgetSpec{MinAvailable: ios("2"), Selector: sel}, nil},
		{"max unavailable percent", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ios("25%"), Selector: sel}, nil},
		{"both", policyv1.PodDisruptionBudgetSpec{MinAvailable: ios("1"), MaxUnavailable: ios("1")},
			[]string{`spec: Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set`}},
		{"bad values", policyv1.PodDisruptionBudgetSpec{MinAvailable: ios("150%")},
			[]string{`spec.minAvailable: Invalid value: "150%": must not be greater than 100%`}},
		{"negative", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ios("-1")},
			[]string{"spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0"}},
		{"eviction policy", policyv1.PodDisruptionBudgetSpec{UnhealthyPodEvictionPolicy: ptr(policyv1.UnhealthyPodEvictionPolicyType("Never"))},
			[]string{`spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"`}},
		{"selector", policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b c"}}},
			[]string{`spec.selector.matchLabels: Invalid value: "b c": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range pdbRules().Validate(&policyv1.PodDisruptionBudget{Spec: tc.spec}) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
	st := &policyv1.PodDisruptionBudget{Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: -1}}
	if errs := pdbRules().ValidateStatusUpdate(st, st); len(errs) != 1 || errs[0].Field != "status.disruptionsAllowed" {
		t.Errorf("status errors %v", errs)
	}
}

func TestPDBTable(t *testing.T) {
	p := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ios("50%")}, Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1}}
	want := []interface{}{"web", "50%", "N/A", int64(1), "<unknown>"}
	if got := pdbRules().Row(p); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if len(pdbColumns) != len(want) {
		t.Errorf("%d columns for %d cells", len(pdbColumns), len(want))
	}
}

func ptr[T any](v T) *T { return &v }
