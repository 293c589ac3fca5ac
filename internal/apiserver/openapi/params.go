package openapi

import (
	"reflect"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Query parameters are reflected from the options types the REST handler
// decodes them into, so names and descriptions match what it accepts.
var (
	listParams   = optionParams(metav1.ListOptions{})
	createParams = optionParams(metav1.CreateOptions{})
	updateParams = optionParams(metav1.UpdateOptions{})
	patchParams  = optionParams(metav1.PatchOptions{})
	deleteParams = optionParams(metav1.DeleteOptions{})
	// deleteCollectionParams select what to delete like a list does, but
	// neither watch nor bookmarks make sense there.
	deleteCollectionParams = mergeParams(deleteParams, without(listParams, "watch", "allowWatchBookmarks"))

	prettyParam = queryParam("pretty", "string",
		"If 'true', the output is indented. Defaults to 'false' unless the user agent is a browser or a command-line HTTP tool (curl or wget).")
)

// unserved are option fields the REST handler does not implement; they are
// left out rather than advertised.
var unserved = map[string]bool{
	"shardSelector": true, // alpha sharded list and watch
	"ignoreStoreReadErrorWithClusterBreakingPotential": true, // alpha unsafe delete of corrupt objects
}

// optionParams turns the scalar and string-list fields of an options struct
// into query parameters, sorted by name.
func optionParams(opts interface{}) []spec.Parameter {
	t := reflect.TypeOf(opts)
	doc := swaggerDoc(t)
	var out []spec.Parameter
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous || name == "" || name == "-" || unserved[name] {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		var typ string
		switch ft.Kind() {
		case reflect.Bool:
			typ = "boolean"
		case reflect.Int, reflect.Int32, reflect.Int64:
			typ = "integer"
		case reflect.String:
			typ = "string"
		case reflect.Slice:
			if ft.Elem().Kind() != reflect.String {
				continue
			}
			typ = "string" // repeated query parameter, like Kubernetes lists it
		default:
			continue // structs (preconditions) travel only in the body
		}
		out = append(out, queryParam(name, typ, doc[name]))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func queryParam(name, typ, description string) spec.Parameter {
	return simpleParam("query", name, typ, description, false)
}

func pathParam(name, description string) spec.Parameter {
	return simpleParam("path", name, "string", description, true)
}

// simpleParam is a non-body parameter; Kubernetes marks all of them
// uniqueItems, which clients ignore.
func simpleParam(in, name, typ, description string, required bool) spec.Parameter {
	return spec.Parameter{
		ParamProps:        spec.ParamProps{Name: name, In: in, Description: description, Required: required},
		SimpleSchema:      spec.SimpleSchema{Type: typ},
		CommonValidations: spec.CommonValidations{UniqueItems: true},
	}
}

func bodyParam(ref string, required bool) spec.Parameter {
	s := refSchema(ref)
	return spec.Parameter{ParamProps: spec.ParamProps{Name: "body", In: "body", Required: required, Schema: &s}}
}

func without(ps []spec.Parameter, names ...string) []spec.Parameter {
	var out []spec.Parameter
outer:
	for _, p := range ps {
		for _, n := range names {
			if p.Name == n {
				continue outer
			}
		}
		out = append(out, p)
	}
	return out
}

// mergeParams joins parameter lists, dropping repeated names, sorted by name.
func mergeParams(lists ...[]spec.Parameter) []spec.Parameter {
	seen := map[string]bool{}
	var out []spec.Parameter
	for _, l := range lists {
		for _, p := range l {
			if !seen[p.Name] {
				seen[p.Name] = true
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
