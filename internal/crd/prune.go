package crd

import (
	"sort"
	"strconv"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// objectMetaFields are the JSON fields of metav1.ObjectMeta. metadata is never
// pruned against the CRD's schema; only fields ObjectMeta does not have are
// dropped, and reported like any other unknown field.
var objectMetaFields = map[string]bool{
	"name": true, "generateName": true, "namespace": true, "selfLink": true,
	"uid": true, "resourceVersion": true, "generation": true,
	"creationTimestamp": true, "deletionTimestamp": true,
	"deletionGracePeriodSeconds": true, "labels": true, "annotations": true,
	"ownerReferences": true, "finalizers": true, "managedFields": true,
}

// prune removes from obj every field the structural schema s does not
// declare and returns the removed paths ("spec.color", "spec.ports[0].x"),
// sorted. At the root, and in x-kubernetes-embedded-resource objects,
// apiVersion and kind are always kept and metadata is cut down to
// ObjectMeta's fields.
func prune(obj map[string]interface{}, s *apiextv1.JSONSchemaProps) []string {
	p := pruner{}
	p.object(obj, s, "", true)
	sort.Strings(p.removed)
	return p.removed
}

type pruner struct{ removed []string }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (p *pruner) value(v interface{}, s *apiextv1.JSONSchemaProps, path string) {
	if s == nil {
		return
	}
	switch v := v.(type) {
	case map[string]interface{}:
		p.object(v, s, path, s.XEmbeddedResource)
	case []interface{}:
		items := itemsSchema(s)
		for i, item := range v {
			p.value(item, items, path+"["+strconv.Itoa(i)+"]")
		}
	}
}

func (p *pruner) object(obj map[string]interface{}, s *apiextv1.JSONSchemaProps, path string, resourceRoot bool) {
	preserve := preservesUnknown(s)
	for key, v := range obj {
		child := join(path, key)
		if resourceRoot {
			switch key {
			case "apiVersion", "kind":
				continue
			case "metadata":
				if m, ok := v.(map[string]interface{}); ok {
					p.metadata(m, child)
				}
				continue
			}
		}
		if cs := childSchema(s, key); cs != nil {
			p.value(v, cs, child)
			continue
		}
		if preserve {
			continue
		}
		delete(obj, key)
		p.removed = append(p.removed, child)
	}
}

func (p *pruner) metadata(m map[string]interface{}, path string) {
	for key := range m {
		if !objectMetaFields[key] {
			delete(m, key)
			p.removed = append(p.removed, join(path, key))
		}
	}
}
