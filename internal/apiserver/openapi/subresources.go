package openapi

import (
	"net/http"
	"reflect"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/bosun-dev/bosun/internal/registry"
)

// extraDef describes a subresource beyond status and scale.
type extraDef struct {
	def   string
	gvk   schema.GroupVersionKind
	verbs []string // of create, get, update, patch
	// ownName is true when the subresource is an object of its own kind
	// posted for the parent (a Binding), so the name parameter names it.
	ownName bool
}

// subresourceKinds are the extra subresources Bosun serves: the kind each
// takes (nil: the parent's kind) and its verbs. Extras not listed are left
// out of the documents.
var subresourceKinds = map[string]struct {
	obj   interface{}
	gvk   schema.GroupVersionKind
	verbs []string
}{
	"binding":  {corev1.Binding{}, schema.GroupVersionKind{Version: "v1", Kind: "Binding"}, []string{"create"}},
	"eviction": {policyv1.Eviction{}, schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "Eviction"}, []string{"create"}},
	"token":    {authenticationv1.TokenRequest{}, schema.GroupVersionKind{Group: "authentication.k8s.io", Version: "v1", Kind: "TokenRequest"}, []string{"create"}},
	"finalize": {nil, schema.GroupVersionKind{}, []string{"update"}},
	"approval": {nil, schema.GroupVersionKind{}, []string{"get", "patch", "update"}},
}

// extraDefs resolves the extra subresources of r, whose own definition is kind.
func extraDefs(g *typeSchemas, r *registry.Resource, kind string) map[string]extraDef {
	out := map[string]extraDef{}
	for _, sub := range r.Extra {
		sk, ok := subresourceKinds[sub]
		if !ok {
			continue
		}
		x := extraDef{def: kind, gvk: r.GVK(), verbs: sk.verbs}
		if sk.obj != nil {
			x.def, x.gvk, x.ownName = g.define(reflect.TypeOf(sk.obj)), sk.gvk, true
		}
		out[sub] = x
	}
	return out
}

// addExtra adds the operations of one extra subresource.
func (rp *resourcePaths) addExtra(sub string, x extraDef) {
	path := rp.item + "/" + sub
	params := rp.itemParams
	if x.ownName {
		params = append([]spec.Parameter{pathParam("name", "name of the "+x.gvk.Kind)}, rp.collParams...)
	}
	suffix := upperFirst(sub)
	kind := rp.r.Kind
	for _, verb := range x.verbs {
		o := operation{gvk: x.gvk, consumes: rp.consumes, produces: rp.produces}
		switch verb {
		case "create":
			o.method, o.id, o.action = http.MethodPost, rp.id("create", suffix), "post"
			o.description = "create " + article(x.gvk.Kind) + " " + x.gvk.Kind + " of " + article(kind) + " " + kind
			o.body, o.bodyRequired, o.params = x.def, true, createParams
			o.responses = map[int]string{200: x.def, 201: x.def, 202: x.def}
		case "get":
			o.method, o.id, o.action = http.MethodGet, rp.id("read", suffix), "get"
			o.description = "read " + sub + " of the specified " + kind
			o.responses = map[int]string{200: x.def}
		case "update":
			o.method, o.id, o.action = http.MethodPut, rp.id("replace", suffix), "put"
			o.description = "replace " + sub + " of the specified " + kind
			o.body, o.bodyRequired, o.params = x.def, true, updateParams
			o.responses = map[int]string{200: x.def, 201: x.def}
		case "patch":
			o.method, o.id, o.action = http.MethodPatch, rp.id("patch", suffix), "patch"
			o.description = "partially update " + sub + " of the specified " + kind
			o.body, o.bodyRequired, o.params, o.consumes = rp.d.patch, true, patchParams, rp.patchTypes
			o.responses = map[int]string{200: x.def, 201: x.def}
		default:
			continue
		}
		rp.ps.add(path, params, rp.tag, o)
	}
}
