package openapi

import (
	"net/http"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/bosun-dev/bosun/internal/registry"
)

// defNames are the definitions the operations of one resource refer to.
type defNames struct {
	kind, list                               string
	status, deleteOptions, patch, watchEvent string
	scale                                    string
	extra                                    map[string]extraDef // by subresource
}

var scaleGVK = schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}

// resourcePaths lays out the paths of one resource.
type resourcePaths struct {
	ps  pathSet
	r   *registry.Resource
	d   defNames
	gvk schema.GroupVersionKind
	tag string
	// root is "/apis/GROUP/VERSION", collection and item the resource's paths.
	root, collection, item string
	scope, nsWord          string
	collParams, itemParams []spec.Parameter

	consumes, produces, watchProduces, patchTypes []string
}

// addResource adds every path and operation r serves, as Kubernetes lays
// them out: the collection, the item, the deprecated /watch/ forms, the
// all-namespaces list and the subresources.
func (ps pathSet) addResource(r *registry.Resource, d defNames) {
	gv := r.GVR.GroupVersion()
	rp := &resourcePaths{ps: ps, r: r, d: d, gvk: r.GVK(), tag: tag(gv), root: "/" + gvPath(gv),
		consumes:      []string{"*/*"},
		produces:      []string{mediaJSON, mediaYAML, mediaProtobuf},
		watchProduces: []string{mediaJSON, mediaYAML, mediaProtobuf, mediaJSON + ";stream=watch", mediaProtobuf + ";stream=watch"},
		patchTypes:    []string{"application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"},
	}
	if isCustom(r) {
		// Custom resources have no protobuf form and no patch strategies.
		rp.produces = []string{mediaJSON, mediaYAML}
		rp.watchProduces = []string{mediaJSON, mediaYAML, mediaJSON + ";stream=watch"}
		rp.patchTypes = []string{"application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"}
	}
	if r.Namespaced {
		rp.scope, rp.nsWord = "/namespaces/{namespace}", "Namespaced"
		rp.collParams = []spec.Parameter{pathParam("namespace", "object name and auth scope, such as for teams and projects")}
	}
	rp.collParams = append(rp.collParams, prettyParam)
	rp.itemParams = append([]spec.Parameter{pathParam("name", "name of the "+r.Kind)}, rp.collParams...)
	rp.collection = rp.root + rp.scope + "/" + r.GVR.Resource
	rp.item = rp.collection + "/{name}"

	rp.addCollection()
	rp.addItem(rp.item, "", "the specified "+r.Kind, d.kind, rp.gvk)
	if r.Status {
		rp.addItem(rp.item+"/status", "Status", "status of the specified "+r.Kind, d.kind, rp.gvk)
	}
	if r.Scale != nil {
		rp.addItem(rp.item+"/scale", "Scale", "scale of the specified "+r.Kind, d.scale, scaleGVK)
	}
	for _, sub := range r.Extra {
		if x, ok := d.extra[sub]; ok {
			rp.addExtra(sub, x)
		}
	}
}

// id is an operation ID: "list" + "AppsV1" + "Namespaced" + "Deployment" + suffix.
func (rp *resourcePaths) id(verb, suffix string) string {
	return verb + opPrefix(rp.r.GVR.GroupVersion()) + rp.nsWord + rp.r.Kind + suffix
}

func (rp *resourcePaths) addCollection() {
	r, d, kind := rp.r, rp.d, rp.r.Kind
	allNamespaces := func(verb, suffix string) string {
		return verb + opPrefix(r.GVR.GroupVersion()) + kind + suffix
	}
	if r.Serves("list") {
		list := operation{method: http.MethodGet, id: rp.id("list", ""), action: "list", gvk: rp.gvk,
			description: "list or watch objects of kind " + kind, params: listParams,
			consumes: rp.consumes, produces: rp.watchProduces, responses: map[int]string{200: d.list}}
		rp.ps.add(rp.collection, rp.collParams, rp.tag, list)
		if r.Namespaced {
			list.id = allNamespaces("list", "ForAllNamespaces")
			rp.ps.add(rp.root+"/"+r.GVR.Resource, []spec.Parameter{prettyParam}, rp.tag, list)
		}
	}
	if r.Serves("watch") {
		// The /watch/ paths are deprecated but still served and documented.
		watchPath := rp.root + "/watch" + rp.scope + "/" + r.GVR.Resource
		watchList := operation{method: http.MethodGet, id: rp.id("watch", "List"), action: "watchlist", gvk: rp.gvk,
			description: "watch individual changes to a list of " + kind + ". deprecated: use the 'watch' parameter with a list operation instead.",
			consumes:    rp.consumes, produces: rp.watchProduces, responses: map[int]string{200: d.watchEvent}}
		rp.ps.add(watchPath, mergeParams(rp.collParams, listParams), rp.tag, watchList)
		rp.ps.add(watchPath+"/{name}", mergeParams(rp.itemParams, listParams), rp.tag, operation{method: http.MethodGet,
			id: rp.id("watch", ""), action: "watch", gvk: rp.gvk,
			description: "watch changes to an object of kind " + kind + ". deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.",
			consumes:    rp.consumes, produces: rp.watchProduces, responses: map[int]string{200: d.watchEvent}})
		if r.Namespaced {
			watchList.id = allNamespaces("watch", "ListForAllNamespaces")
			rp.ps.add(rp.root+"/watch/"+r.GVR.Resource, mergeParams([]spec.Parameter{prettyParam}, listParams), rp.tag, watchList)
		}
	}
	if r.Serves("create") {
		rp.ps.add(rp.collection, rp.collParams, rp.tag, operation{method: http.MethodPost, id: rp.id("create", ""), action: "post", gvk: rp.gvk,
			description: "create " + article(kind) + " " + kind, body: d.kind, bodyRequired: true, params: createParams,
			consumes: rp.consumes, produces: rp.produces, responses: map[int]string{200: d.kind, 201: d.kind, 202: d.kind}})
	}
	if r.Serves("deletecollection") {
		rp.ps.add(rp.collection, rp.collParams, rp.tag, operation{method: http.MethodDelete, id: "delete" + opPrefix(r.GVR.GroupVersion()) + "Collection" + rp.nsWord + kind, action: "deletecollection", gvk: rp.gvk,
			description: "delete collection of " + kind, body: d.deleteOptions, params: deleteCollectionParams,
			consumes: rp.consumes, produces: rp.produces, responses: map[int]string{200: d.status}})
	}
}

// addItem adds get, replace, patch and (for the resource itself) delete on
// an item path; suffix is "" for the resource itself, "Status" or "Scale".
func (rp *resourcePaths) addItem(path, suffix, what, def string, gvk schema.GroupVersionKind) {
	r := rp.r
	if r.Serves("get") {
		rp.ps.add(path, rp.itemParams, rp.tag, operation{method: http.MethodGet, id: rp.id("read", suffix), action: "get", gvk: gvk,
			description: "read " + what, consumes: rp.consumes, produces: rp.produces, responses: map[int]string{200: def}})
	}
	if r.Serves("update") {
		rp.ps.add(path, rp.itemParams, rp.tag, operation{method: http.MethodPut, id: rp.id("replace", suffix), action: "put", gvk: gvk,
			description: "replace " + what, body: def, bodyRequired: true, params: updateParams,
			consumes: rp.consumes, produces: rp.produces, responses: map[int]string{200: def, 201: def}})
	}
	if r.Serves("patch") {
		rp.ps.add(path, rp.itemParams, rp.tag, operation{method: http.MethodPatch, id: rp.id("patch", suffix), action: "patch", gvk: gvk,
			description: "partially update " + what, body: rp.d.patch, bodyRequired: true, params: patchParams,
			consumes: rp.patchTypes, produces: rp.produces, responses: map[int]string{200: def, 201: def}})
	}
	if suffix == "" && r.Serves("delete") {
		rp.ps.add(path, rp.itemParams, rp.tag, operation{method: http.MethodDelete, id: rp.id("delete", ""), action: "delete", gvk: gvk,
			description: "delete " + article(r.Kind) + " " + r.Kind, body: rp.d.deleteOptions, params: deleteParams,
			consumes: rp.consumes, produces: rp.produces, responses: map[int]string{200: rp.d.status, 202: rp.d.status}})
	}
}
