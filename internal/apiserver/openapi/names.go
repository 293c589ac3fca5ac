package openapi

import (
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/util"
)

// modelNamer is implemented by the generated zz_generated.model_name.go of
// k8s.io/api and apimachinery types.
type modelNamer interface{ OpenAPIModelName() string }

// definitionName is the name Kubernetes gives the definition of a Go type:
// its package path with the domain reversed ("io.k8s.api.apps.v1.Deployment").
func definitionName(t reflect.Type) string {
	if n, ok := reflect.Zero(t).Interface().(modelNamer); ok {
		return n.OpenAPIModelName()
	}
	if n, ok := reflect.New(t).Interface().(modelNamer); ok {
		return n.OpenAPIModelName()
	}
	return util.ToRESTFriendlyName(t.PkgPath() + "." + t.Name())
}

// customName is the definition name of a custom resource kind: the reversed
// group, the version and the kind ("com.example.stable.v1.CronTab").
func customName(gvk schema.GroupVersionKind) string {
	parts := strings.Split(gvk.Group, ".")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ".") + "." + gvk.Version + "." + gvk.Kind
}

// gvPath is the key of a group-version in the v3 root listing and the prefix
// of its REST paths without the leading slash ("api/v1", "apis/apps/v1").
func gvPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

// groupWords splits a group into the words Kubernetes uses in operation IDs
// and tags: "rbac.authorization.k8s.io" → [rbac authorization], "" → [core],
// "stable.example.com" → [stable example com].
func groupWords(group string) []string {
	if group == "" {
		return []string{"core"}
	}
	group = strings.TrimSuffix(group, ".k8s.io")
	var words []string
	for _, w := range strings.FieldsFunc(group, func(r rune) bool { return r == '.' || r == '-' }) {
		words = append(words, strings.ToLower(w))
	}
	return words
}

// opPrefix is the group-version part of operation IDs ("AppsV1",
// "RbacAuthorizationV1", "CoreV1").
func opPrefix(gv schema.GroupVersion) string {
	var b strings.Builder
	for _, w := range groupWords(gv.Group) {
		b.WriteString(upperFirst(w))
	}
	b.WriteString(upperFirst(gv.Version))
	return b.String()
}

// tag is the operation tag of a group-version ("apps_v1",
// "rbacAuthorization_v1", "core_v1").
func tag(gv schema.GroupVersion) string {
	words := groupWords(gv.Group)
	var b strings.Builder
	b.WriteString(words[0])
	for _, w := range words[1:] {
		b.WriteString(upperFirst(w))
	}
	return b.String() + "_" + gv.Version
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
