package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	gv := rbacv1.SchemeGroupVersion
	return registry.RulesSet{
		gv.WithKind("Role"):               roleRules(),
		gv.WithKind("ClusterRole"):        clusterRoleRules(),
		gv.WithKind("RoleBinding"):        roleBindingRules(),
		gv.WithKind("ClusterRoleBinding"): clusterRoleBindingRules(),
	}
}

// nameValidation: RBAC names only need to be usable as one URL path segment,
// so "system:controller:foo" style names are allowed.
func nameValidation(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}
