package openapi

import (
	"fmt"
	"reflect"
	"sort"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/openapiconv"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/bosun-dev/bosun/internal/registry"
)

// gvDoc is the generated document of one group-version. It is immutable
// once built and shared by the v2 and v3 documents.
type gvDoc struct {
	gv    schema.GroupVersion
	paths pathSet
	// defs are the v2 definitions the paths reach, closed over refs.
	defs map[string]*spec.Schema
	// full are the custom resource definitions before the swagger 2.0
	// rewrite; v3 documents and Definitions use them.
	full map[string]*spec.Schema
}

// buildGV generates the document of one group-version's resources.
func buildGV(g *typeSchemas, gv schema.GroupVersion, rs []*registry.Resource) (*gvDoc, error) {
	d := defNames{
		status:        g.define(reflect.TypeOf(metav1.Status{})),
		deleteOptions: g.define(reflect.TypeOf(metav1.DeleteOptions{})),
		patch:         g.define(reflect.TypeOf(metav1.Patch{})),
		watchEvent:    g.define(reflect.TypeOf(metav1.WatchEvent{})),
		scale:         g.define(reflect.TypeOf(autoscalingv1.Scale{})),
	}
	objectMeta := g.define(reflect.TypeOf(metav1.ObjectMeta{}))
	listMeta := g.define(reflect.TypeOf(metav1.ListMeta{}))
	doc := &gvDoc{gv: gv, paths: pathSet{}, defs: map[string]*spec.Schema{}, full: map[string]*spec.Schema{}}
	local := map[string]*spec.Schema{} // custom resource definitions, v2 form

	for _, r := range rs {
		d := d
		switch {
		case isCustom(r):
			kind, list, err := customDefinitions(r, objectMeta, listMeta)
			if err != nil {
				return nil, fmt.Errorf("schema of %s: %w", r.GVK(), err)
			}
			d.kind, d.list = customName(r.GVK()), customName(gv.WithKind(listKind(r)))
			doc.full[d.kind], doc.full[d.list] = kind, list
			v2, err := cloneSchema(kind)
			if err != nil {
				return nil, err
			}
			toV2(v2, true)
			local[d.kind], local[d.list] = v2, list
		case r.New == nil:
			continue // nothing says what it holds
		default:
			d.kind = g.define(objectType(r.New()))
			d.list = "" // the list response goes undescribed
			if r.NewList != nil {
				d.list = g.define(objectType(r.NewList()))
			}
		}
		d.extra = extraDefs(g, r, d.kind)
		doc.paths.addResource(r, d)
	}
	doc.paths.addAPIResources(gv, g.define(reflect.TypeOf(metav1.APIResourceList{})))

	// Close the definitions over refs, starting from what the paths name.
	var queue []string
	want := func(name string) {
		if _, ok := doc.defs[name]; ok {
			return
		}
		s := local[name]
		if s == nil {
			s, _ = g.get(name)
		}
		if s == nil {
			return
		}
		doc.defs[name] = s
		queue = append(queue, name)
	}
	for _, it := range doc.paths {
		for _, op := range []*spec.Operation{it.Get, it.Put, it.Post, it.Patch, it.Delete} {
			if op == nil {
				continue
			}
			for _, p := range op.Parameters {
				eachRef(p.Schema, want)
			}
			for _, resp := range op.Responses.StatusCodeResponses {
				eachRef(resp.Schema, want)
			}
		}
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		eachRef(doc.defs[name], want)
	}
	return doc, nil
}

func objectType(obj interface{}) reflect.Type {
	t := reflect.TypeOf(obj)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// swagger returns the group-version as a swagger 2.0 document with
// parameters inline, as the v3 conversion wants them.
func (d *gvDoc) swagger() *spec.Swagger {
	sw := newSwagger()
	for p, it := range d.paths {
		sw.Paths.Paths[p] = *it
	}
	for n, s := range d.defs {
		sw.Definitions[n] = *s
	}
	return sw
}

// openAPIV3 converts the group-version document to OpenAPI v3, using the v3
// forms of definitions where they differ from v2.
func (d *gvDoc) openAPIV3(g *typeSchemas) *spec3.OpenAPI {
	doc := openapiconv.ConvertV2ToV3(d.swagger())
	doc.Info = info()
	for name := range doc.Components.Schemas {
		if full, ok := d.full[name]; ok {
			doc.Components.Schemas[name] = openapiconv.ConvertSchema(full)
			continue
		}
		if v2, v3 := g.get(name); v3 != v2 && v3 != nil {
			doc.Components.Schemas[name] = openapiconv.ConvertSchema(v3)
		}
	}
	doc.Components.SecuritySchemes = spec3.SecuritySchemes{"BearerToken": &spec3.SecurityScheme{
		SecuritySchemeProps: spec3.SecuritySchemeProps{Type: "apiKey", Name: "authorization", In: "header",
			Description: "Bearer Token authentication"},
	}}
	doc.SecurityRequirement = []map[string][]string{{"BearerToken": {}}}
	return doc
}

func info() *spec.Info {
	return &spec.Info{InfoProps: spec.InfoProps{Title: "Kubernetes", Version: "unversioned"}}
}

func newSwagger() *spec.Swagger {
	return &spec.Swagger{SwaggerProps: spec.SwaggerProps{
		Swagger:     "2.0",
		Info:        info(),
		Paths:       &spec.Paths{Paths: map[string]spec.PathItem{}},
		Definitions: spec.Definitions{},
		SecurityDefinitions: spec.SecurityDefinitions{"BearerToken": &spec.SecurityScheme{SecuritySchemeProps: spec.SecuritySchemeProps{
			Type: "apiKey", Name: "authorization", In: "header", Description: "Bearer Token authentication"}}},
		Security: []map[string][]string{{"BearerToken": {}}},
	}}
}

// sortedGVs orders group-versions as discovery does: core first, then by group.
func sortedGVs(m map[schema.GroupVersion]*gvState) []schema.GroupVersion {
	out := make([]schema.GroupVersion, 0, len(m))
	for gv := range m {
		out = append(out, gv)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Version < out[j].Version
	})
	return out
}
