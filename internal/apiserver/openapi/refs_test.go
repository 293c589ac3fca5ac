package openapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// collectRefs returns every "$ref" in a JSON document.
func collectRefs(v interface{}, out map[string]bool) {
	switch v := v.(type) {
	case map[string]interface{}:
		for k, c := range v {
			if s, ok := c.(string); ok && k == "$ref" {
				out[s] = true
			}
			collectRefs(c, out)
		}
	case []interface{}:
		for _, c := range v {
			collectRefs(c, out)
		}
	}
}

// TestNoDanglingRefs checks every reference of every document resolves.
func TestNoDanglingRefs(t *testing.T) {
	s := newTestService(t, widgetResource())
	check := func(name, body string, resolve func(doc map[string]interface{}, ref string) bool) {
		var doc map[string]interface{}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		refs := map[string]bool{}
		collectRefs(doc, refs)
		for ref := range refs {
			if !resolve(doc, ref) {
				t.Errorf("%s: dangling %s", name, ref)
			}
		}
	}
	lookup := func(doc map[string]interface{}, path ...string) bool {
		var cur interface{} = doc
		for _, p := range path {
			m, ok := cur.(map[string]interface{})
			if !ok {
				return false
			}
			if cur, ok = m[p]; !ok {
				return false
			}
		}
		return true
	}
	check("v2", get(t, s, "/openapi/v2", "").Body.String(), func(doc map[string]interface{}, ref string) bool {
		parts := strings.SplitN(strings.TrimPrefix(ref, "#/"), "/", 2)
		return len(parts) == 2 && lookup(doc, parts[0], parts[1])
	})
	var root struct {
		Paths map[string]interface{} `json:"paths"`
	}
	if err := json.Unmarshal(get(t, s, "/openapi/v3", "").Body.Bytes(), &root); err != nil {
		t.Fatal(err)
	}
	for gv := range root.Paths {
		check(gv, get(t, s, "/openapi/v3/"+gv, "").Body.String(), func(doc map[string]interface{}, ref string) bool {
			name, ok := strings.CutPrefix(ref, v3Prefix)
			return ok && lookup(doc, "components", "schemas", name)
		})
	}
}
