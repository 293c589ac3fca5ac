package openapi

import (
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

const (
	mediaJSON     = "application/json"
	mediaYAML     = "application/yaml"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
)

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
