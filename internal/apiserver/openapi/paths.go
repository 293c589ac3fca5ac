package openapi

import (
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/bosun-dev/bosun/internal/registry"
)

const (
	mediaJSON     = "application/json"
	mediaYAML     = "application/yaml"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
)

// defNames are the definitions the operations of one resource refer to.
type defNames struct {
	kind, list                               string
	status, deleteOptions, patch, watchEvent string
	scale                                    string
	extra                                    map[string]extraDef // by subresource
}

// extraDef describes a subresource beyond status and scale.
type extraDef struct {
	def  string
	gvk  schema.GroupVersionKind
	verb []string // of create, get, update, patch
}

// operation is one HTTP method on one path, before it becomes a v2 operation.
type operation struct {
	method, id, description, action string
	gvk                             schema.GroupVersionKind
	body                            string // definition name of the request body
	bodyRequired                    bool
	params                          []spec.Parameter
	consumes, produces              []string
	responses                       map[int]string // status code → definition name ("" for none)
}

// pathSet collects path items.
type pathSet map[string]*spec.PathItem

func (ps pathSet) item(path string, params ...spec.Parameter) *spec.PathItem {
	it := ps[path]
	if it == nil {
		it = &spec.PathItem{}
		it.Parameters = params
		ps[path] = it
	}
	return it
}

func (ps pathSet) add(path string, pathParams []spec.Parameter, tag string, o operation) {
	op := &spec.Operation{}
	op.ID = o.id
	op.Description = o.description
	op.Consumes = o.consumes
	op.Produces = o.produces
	op.Schemes = []string{"https"}
	op.Tags = []string{tag}
	if o.body != "" {
		op.Parameters = append(op.Parameters, bodyParam(v2Prefix+o.body, o.bodyRequired))
	}
	op.Parameters = append(op.Parameters, o.params...)
	op.Responses = &spec.Responses{}
	op.Responses.StatusCodeResponses = map[int]spec.Response{
		http.StatusUnauthorized: {ResponseProps: spec.ResponseProps{Description: "Unauthorized"}},
	}
	for code, def := range o.responses {
		resp := spec.Response{ResponseProps: spec.ResponseProps{Description: http.StatusText(code)}}
		if def != "" {
			s := refSchema(v2Prefix + def)
			resp.Schema = &s
		}
		op.Responses.StatusCodeResponses[code] = resp
	}
	op.AddExtension("x-kubernetes-action", o.action)
	if !o.gvk.Empty() {
		op.AddExtension(extGVK, gvkExtension(o.gvk))
	}
	it := ps.item(path, pathParams...)
	switch o.method {
	case http.MethodGet:
		it.Get = op
	case http.MethodPost:
		it.Post = op
	case http.MethodPut:
		it.Put = op
	case http.MethodPatch:
		it.Patch = op
	case http.MethodDelete:
		it.Delete = op
	}
}

// addResource adds every path and operation r serves, as Kubernetes lays
// them out: the collection, the item, the deprecated /watch/ forms, the
// all-namespaces list and the subresources.
func (ps pathSet) addResource(r *registry.Resource, d defNames) {
	gv := r.GVR.GroupVersion()
	gvk := r.GVK()
	root := "/" + gvPath(gv)
	pre := opPrefix(gv)
	tg := tag(gv)
	kind := r.Kind
	custom := r.Schema != nil

	produces := []string{mediaJSON, mediaYAML, mediaProtobuf}
	watchProduces := []string{mediaJSON, mediaYAML, mediaProtobuf, mediaJSON + ";stream=watch", mediaProtobuf + ";stream=watch"}
	patchTypes := []string{"application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"}
	if custom {
		produces = []string{mediaJSON, mediaYAML}
		watchProduces = []string{mediaJSON, mediaYAML, mediaJSON + ";stream=watch"}
		patchTypes = []string{"application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"}
	}
	consumes := []string{"*/*"}

	scope, nsWord := "", ""
	var nsParams []spec.Parameter
	if r.Namespaced {
		scope = "/namespaces/{namespace}"
		nsWord = "Namespaced"
		nsParams = []spec.Parameter{pathParam("namespace", "object name and auth scope, such as for teams and projects")}
	}
	nameParam := pathParam("name", "name of the "+kind)
	collection := root + scope + "/" + r.GVR.Resource
	item := collection + "/{name}"
	collParams := append(append([]spec.Parameter{}, nsParams...), prettyParam)
	itemParams := append([]spec.Parameter{nameParam}, collParams...)
	id := func(verb, suffix string) string { return verb + pre + nsWord + kind + suffix }

	if r.Serves("list") {
		ps.add(collection, collParams, tg, operation{method: http.MethodGet, id: id("list", ""), action: "list", gvk: gvk,
			description: "list or watch objects of kind " + kind, params: listParams,
			consumes: consumes, produces: watchProduces, responses: map[int]string{200: d.list}})
		if r.Namespaced {
			ps.add(root+"/"+r.GVR.Resource, []spec.Parameter{prettyParam}, tg, operation{method: http.MethodGet,
				id: "list" + pre + kind + "ForAllNamespaces", action: "list", gvk: gvk,
				description: "list or watch objects of kind " + kind, params: listParams,
				consumes: consumes, produces: watchProduces, responses: map[int]string{200: d.list}})
		}
	}
	if r.Serves("watch") {
		wscope := root + "/watch" + scope + "/" + r.GVR.Resource
		ps.add(wscope, mergeParams(collParams, listParams), tg, operation{method: http.MethodGet, id: id("watch", "List"), action: "watchlist", gvk: gvk,
			description: "watch individual changes to a list of " + kind + ". deprecated: use the 'watch' parameter with a list operation instead.",
			consumes:    consumes, produces: watchProduces, responses: map[int]string{200: d.watchEvent}})
		ps.add(wscope+"/{name}", mergeParams(itemParams, listParams), tg, operation{method: http.MethodGet, id: id("watch", ""), action: "watch", gvk: gvk,
			description: "watch changes to an object of kind " + kind + ". deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.",
			consumes:    consumes, produces: watchProduces, responses: map[int]string{200: d.watchEvent}})
		if r.Namespaced {
			ps.add(root+"/watch/"+r.GVR.Resource, mergeParams([]spec.Parameter{prettyParam}, listParams), tg, operation{method: http.MethodGet,
				id: "watch" + pre + kind + "ListForAllNamespaces", action: "watchlist", gvk: gvk,
				description: "watch individual changes to a list of " + kind + ". deprecated: use the 'watch' parameter with a list operation instead.",
				consumes:    consumes, produces: watchProduces, responses: map[int]string{200: d.watchEvent}})
		}
	}
	if r.Serves("create") {
		ps.add(collection, collParams, tg, operation{method: http.MethodPost, id: id("create", ""), action: "post", gvk: gvk,
			description: "create " + article(kind) + " " + kind, body: d.kind, bodyRequired: true, params: createParams,
			consumes: consumes, produces: produces, responses: map[int]string{200: d.kind, 201: d.kind, 202: d.kind}})
	}
	if r.Serves("deletecollection") {
		ps.add(collection, collParams, tg, operation{method: http.MethodDelete, id: "delete" + pre + "Collection" + nsWord + kind, action: "deletecollection", gvk: gvk,
			description: "delete collection of " + kind, body: d.deleteOptions, params: deleteCollectionParams,
			consumes: consumes, produces: produces, responses: map[int]string{200: d.status}})
	}
	ps.addItem(item, itemParams, tg, r, "", "the specified "+kind, d.kind, gvk, produces, patchTypes, d)
	if r.Status {
		ps.addItem(item+"/status", itemParams, tg, r, "Status", "status of the specified "+kind, d.kind, gvk, produces, patchTypes, d)
	}
	if r.Scale != nil {
		scaleGVK := schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}
		ps.addItem(item+"/scale", itemParams, tg, r, "Scale", "scale of the specified "+kind, d.scale, scaleGVK, produces, patchTypes, d)
	}
	for _, sub := range r.Extra {
		x, ok := d.extra[sub]
		if !ok {
			continue
		}
		subParams := itemParams
		if sub == "binding" || sub == "eviction" || sub == "token" {
			subParams = append([]spec.Parameter{pathParam("name", "name of the "+x.gvk.Kind)}, collParams...)
		}
		suffix := upperFirst(sub)
		for _, verb := range x.verb {
			switch verb {
			case "create":
				ps.add(item+"/"+sub, subParams, tg, operation{method: http.MethodPost, id: id("create", suffix), action: "post", gvk: x.gvk,
					description: "create " + article(x.gvk.Kind) + " " + x.gvk.Kind + " of " + article(kind) + " " + kind, body: x.def, bodyRequired: true, params: createParams,
					consumes: consumes, produces: produces, responses: map[int]string{200: x.def, 201: x.def, 202: x.def}})
			case "get":
				ps.add(item+"/"+sub, subParams, tg, operation{method: http.MethodGet, id: id("read", suffix), action: "get", gvk: x.gvk,
					description: "read " + sub + " of the specified " + kind, consumes: consumes, produces: produces, responses: map[int]string{200: x.def}})
			case "update":
				ps.add(item+"/"+sub, subParams, tg, operation{method: http.MethodPut, id: id("replace", suffix), action: "put", gvk: x.gvk,
					description: "replace " + sub + " of the specified " + kind, body: x.def, bodyRequired: true, params: updateParams,
					consumes: consumes, produces: produces, responses: map[int]string{200: x.def, 201: x.def}})
			case "patch":
				ps.add(item+"/"+sub, subParams, tg, operation{method: http.MethodPatch, id: id("patch", suffix), action: "patch", gvk: x.gvk,
					description: "partially update " + sub + " of the specified " + kind, body: d.patch, bodyRequired: true, params: patchParams,
					consumes: patchTypes, produces: produces, responses: map[int]string{200: x.def, 201: x.def}})
			}
		}
	}
}

// addItem adds get, replace, patch and (for the main resource) delete on an
// item path; suffix is "" for the resource itself, "Status" or "Scale".
func (ps pathSet) addItem(path string, params []spec.Parameter, tg string, r *registry.Resource, suffix, what, def string,
	gvk schema.GroupVersionKind, produces, patchTypes []string, d defNames) {
	gv := r.GVR.GroupVersion()
	nsWord := ""
	if r.Namespaced {
		nsWord = "Namespaced"
	}
	id := func(verb string) string { return verb + opPrefix(gv) + nsWord + r.Kind + suffix }
	consumes := []string{"*/*"}
	if r.Serves("get") {
		ps.add(path, params, tg, operation{method: http.MethodGet, id: id("read"), action: "get", gvk: gvk,
			description: "read " + what, consumes: consumes, produces: produces, responses: map[int]string{200: def}})
	}
	if r.Serves("update") {
		ps.add(path, params, tg, operation{method: http.MethodPut, id: id("replace"), action: "put", gvk: gvk,
			description: "replace " + what, body: def, bodyRequired: true, params: updateParams,
			consumes: consumes, produces: produces, responses: map[int]string{200: def, 201: def}})
	}
	if r.Serves("patch") {
		ps.add(path, params, tg, operation{method: http.MethodPatch, id: id("patch"), action: "patch", gvk: gvk,
			description: "partially update " + what, body: d.patch, bodyRequired: true, params: patchParams,
			consumes: patchTypes, produces: produces, responses: map[int]string{200: def, 201: def}})
	}
	if suffix == "" && r.Serves("delete") {
		ps.add(path, params, tg, operation{method: http.MethodDelete, id: id("delete"), action: "delete", gvk: gvk,
			description: "delete " + article(r.Kind) + " " + r.Kind, body: d.deleteOptions, params: deleteParams,
			consumes: consumes, produces: produces, responses: map[int]string{200: d.status, 202: d.status}})
	}
}

// addAPIResources adds GET /apis/GROUP/VERSION/, the group-version's discovery.
func (ps pathSet) addAPIResources(gv schema.GroupVersion, resourceList string) {
	ps.add("/"+gvPath(gv)+"/", nil, tag(gv), operation{method: http.MethodGet, id: "get" + opPrefix(gv) + "APIResources",
		description: "get available resources", consumes: []string{mediaJSON, mediaYAML, mediaProtobuf},
		produces: []string{mediaJSON, mediaYAML, mediaProtobuf}, responses: map[int]string{200: resourceList}})
	// Discovery is not an action on a kind.
	delete(ps["/"+gvPath(gv)+"/"].Get.Extensions, "x-kubernetes-action")
}

func article(kind string) string {
	if kind != "" && strings.ContainsRune("AEIOU", rune(kind[0])) {
		return "an"
	}
	return "a"
}
