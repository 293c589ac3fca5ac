package rbac

import (
	"reflect"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

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

func TestRoleValidate(t *testing.T) {
	r := roleRules()
	for _, tc := range []struct {
		name string
		rule rbacv1.PolicyRule
		want []string
	}{
		{"valid", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}, nil},
		{"no verbs", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}},
			[]string{"rules[0].verbs: Required value: verbs must contain at least one value"}},
		{"no group or resource", rbacv1.PolicyRule{Verbs: []string{"get"}}, []string{
			"rules[0].apiGroups: Required value: resource rules must supply at least one api group",
			"rules[0].resources: Required value: resource rules must supply at least one resource",
		}},
		{"non-resource in a namespace", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}, Resources: []string{"pods"}}, []string{
			`rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs`,
			`rules[0].nonResourceURLs: Invalid value: ["/healthz"]: rules cannot apply to both regular resources and non-resource URLs`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, r.Validate(&rbacv1.Role{Rules: []rbacv1.PolicyRule{tc.rule}}), tc.want...)
		})
	}
	// Cluster roles may grant non-resource URLs.
	wantErrors(t, clusterRoleRules().Validate(&rbacv1.ClusterRole{Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}}}))
	wantErrors(t, clusterRoleRules().Validate(&rbacv1.ClusterRole{AggregationRule: &rbacv1.AggregationRule{}}),
		"aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil")
	if errs := r.NameValidation("system:controller:foo", false); len(errs) != 0 {
		t.Errorf("colon name rejected: %v", errs)
	}
	if errs := r.NameValidation("a/b", false); len(errs) == 0 {
		t.Errorf("slash name accepted")
	}
}

func TestBindingDefaultsAndValidate(t *testing.T) {
	rb := &rbacv1.RoleBinding{
		RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "reader"},
		Subjects: []rbacv1.Subject{
			{Kind: "User", Name: "alice"},
			{Kind: "ServiceAccount", Name: "default"},
		},
	}
	r := roleBindingRules()
	r.Default(rb)
	if rb.RoleRef.APIGroup != rbacv1.GroupName || rb.Subjects[0].APIGroup != rbacv1.GroupName || rb.Subjects[1].APIGroup != "" {
		t.Errorf("defaults: %+v", rb)
	}
	wantErrors(t, r.Validate(rb))

	bad := rb.DeepCopy()
	bad.RoleRef.Kind = "Secret"
	bad.Subjects = append(bad.Subjects, rbacv1.Subject{Kind: "Robot", Name: "r2"}, rbacv1.Subject{Kind: "Group"})
	wantErrors(t, r.Validate(bad),
		`roleRef.kind: Unsupported value: "Secret": supported values: "Role", "ClusterRole"`,
		`subjects[2].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"`,
		"subjects[3].name: Required value",
		`subjects[3].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"`,
	)

	moved := rb.DeepCopy()
	moved.RoleRef.Name = "admin"
	wantErrors(t, r.ValidateUpdate(moved, rb),
		`roleRef: Invalid value: {"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"admin"}: cannot change roleRef`)

	crb := &rbacv1.ClusterRoleBinding{RoleRef: rb.RoleRef, Subjects: rb.Subjects}
	wantErrors(t, clusterRoleBindingRules().Validate(crb),
		`roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"`,
		"subjects[1].namespace: Required value")
}

func TestRBACTables(t *testing.T) {
	created := metav1.NewTime(time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600)))
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader", CreationTimestamp: created}}
	if got, want := roleRules().Row(role), []interface{}{"reader", "2025-01-02T02:04:05Z"}; !reflect.DeepEqual(got, want) {
		t.Errorf("role row %#v, want %#v", got, want)
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "ops"},
		RoleRef:    rbacv1.RoleRef{Kind: "ClusterRole", Name: "admin"},
		Subjects: []rbacv1.Subject{
			{Kind: "User", Name: "alice"}, {Kind: "User", Name: "bob"},
			{Kind: "Group", Name: "ops"}, {Kind: "ServiceAccount", Namespace: "kube-system", Name: "ci"},
		},
	}
	r := clusterRoleBindingRules()
	want := []interface{}{"ops", "ClusterRole/admin", "<unknown>", "alice, bob", "ops", "kube-system/ci"}
	if got := r.Row(crb); !reflect.DeepEqual(got, want) {
		t.Errorf("binding row %#v, want %#v", got, want)
	}
	if len(r.Columns) != len(want) {
		t.Errorf("%d columns for %d cells", len(r.Columns), len(want))
	}
}
