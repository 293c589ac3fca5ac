package crd

import (
	"reflect"
	"testing"
)

const pruneSchema = `
type: object
properties:
  spec:
    type: object
    properties:
      size: {type: integer}
      items:
        type: array
        items:
          type: object
          properties:
            name: {type: string}
      labels:
        type: object
        additionalProperties: {type: string}
      free:
        type: object
        x-kubernetes-preserve-unknown-fields: true
        properties:
          known:
            type: object
            properties:
              a: {type: string}
      template:
        type: object
        x-kubernetes-embedded-resource: true
        properties:
          spec:
            type: object
            properties:
              x: {type: string}
  status:
    type: object
    properties:
      ready: {type: boolean}
`

func TestPrune(t *testing.T) {
	tests := []struct {
		name    string
		obj     string
		want    string
		removed []string
	}{
		{
			name:    "unknown spec field",
			obj:     `{apiVersion: a/v1, kind: W, metadata: {name: w}, spec: {size: 3, color: red}}`,
			want:    `{apiVersion: a/v1, kind: W, metadata: {name: w}, spec: {size: 3}}`,
			removed: []string{"spec.color"},
		},
		{
			name:    "unknown root field",
			obj:     `{apiVersion: a/v1, kind: W, metadata: {name: w}, extra: 1}`,
			want:    `{apiVersion: a/v1, kind: W, metadata: {name: w}}`,
			removed: []string{"extra"},
		},
		{
			name:    "metadata kept but cut to ObjectMeta",
			obj:     `{metadata: {name: w, labels: {a: b}, annotations: {c: d}, finalizers: [f], bogus: 1}}`,
			want:    `{metadata: {name: w, labels: {a: b}, annotations: {c: d}, finalizers: [f]}}`,
			removed: []string{"metadata.bogus"},
		},
		{
			name:    "array items",
			obj:     `{spec: {items: [{name: a, x: 1}, {name: b}, {z: 2}]}}`,
			want:    `{spec: {items: [{name: a}, {name: b}, {}]}}`,
			removed: []string{"spec.items[0].x", "spec.items[2].z"},
		},
		{
			name: "additionalProperties keeps keys",
			obj:  `{spec: {labels: {a: "1", b: "2"}}}`,
			want: `{spec: {labels: {a: "1", b: "2"}}}`,
		},
		{
			name:    "preserve-unknown-fields keeps unknown, prunes known",
			obj:     `{spec: {free: {anything: {deep: 1}, known: {a: x, b: y}}}}`,
			want:    `{spec: {free: {anything: {deep: 1}, known: {a: x}}}}`,
			removed: []string{"spec.free.known.b"},
		},
		{
			name:    "embedded resource keeps apiVersion kind metadata",
			obj:     `{spec: {template: {apiVersion: v1, kind: Pod, metadata: {name: p, junk: 1}, spec: {x: a, z: b}, other: 1}}}`,
			want:    `{spec: {template: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {x: a}}}}`,
			removed: []string{"spec.template.metadata.junk", "spec.template.other", "spec.template.spec.z"},
		},
		{
			name:    "type mismatch: structure followed, validation reports the type",
			obj:     `{spec: {items: "notalist", size: {a: 1}}}`,
			want:    `{spec: {items: "notalist", size: {}}}`,
			removed: []string{"spec.size.a"},
		},
	}
	s := schemaOf(t, pruneSchema)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := mustObj(t, tt.obj)
			removed := prune(obj.Object, s)
			if !reflect.DeepEqual(removed, tt.removed) {
				t.Errorf("removed %q, want %q", removed, tt.removed)
			}
			if want := mustObj(t, tt.want); !reflect.DeepEqual(obj.Object, want.Object) {
				t.Errorf("got %v\nwant %v", obj.Object, want.Object)
			}
		})
	}
}

const defaultSchema = `
type: object
properties:
  spec:
    type: object
    properties:
      size: {type: integer, default: 1}
      mode: {type: string, default: fast}
      ratio: {type: number, default: 0.5}
      opts:
        type: object
        default: {}
        properties:
          retries: {type: integer, default: 3}
      nested:
        type: object
        properties:
          flag: {type: boolean, default: true}
      maybe: {type: string, nullable: true, default: x}
      gone: {type: string}
      ports:
        type: array
        items:
          type: object
          properties:
            name: {type: string}
            protocol: {type: string, default: TCP}
      labels:
        type: object
        additionalProperties:
          type: object
          properties:
            v: {type: string, default: dflt}
`

func TestDefault(t *testing.T) {
	tests := []struct {
		name string
		obj  string
		want string
	}{
		{
			name: "missing spec is not created",
			obj:  `{metadata: {name: w}}`,
			want: `{metadata: {name: w}}`,
		},
		{
			name: "scalars and defaulted object defaulted inside",
			obj:  `{spec: {}}`,
			want: `{spec: {size: 1, mode: fast, ratio: 0.5, opts: {retries: 3}, maybe: x}}`,
		},
		{
			name: "set values kept, existing nested object defaulted",
			obj:  `{spec: {size: 5, nested: {}}}`,
			want: `{spec: {size: 5, mode: fast, ratio: 0.5, opts: {retries: 3}, nested: {flag: true}, maybe: x}}`,
		},
		{
			name: "null: defaulted when not nullable, kept when nullable, pruned without default",
			obj:  `{spec: {size: null, maybe: null, gone: null}}`,
			want: `{spec: {size: 1, mode: fast, ratio: 0.5, opts: {retries: 3}, maybe: null}}`,
		},
		{
			name: "array items and map values",
			obj:  `{spec: {ports: [{name: a}, {name: b, protocol: UDP}], labels: {k: {}}}}`,
			want: `{spec: {size: 1, mode: fast, ratio: 0.5, opts: {retries: 3}, maybe: x, ports: [{name: a, protocol: TCP}, {name: b, protocol: UDP}], labels: {k: {v: dflt}}}}`,
		},
	}
	s := schemaOf(t, defaultSchema)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := mustObj(t, tt.obj)
			applyDefaults(obj.Object, s)
			if want := mustObj(t, tt.want); !reflect.DeepEqual(obj.Object, want.Object) {
				t.Errorf("got  %v\nwant %v", obj.Object, want.Object)
			}
		})
	}
}

func TestDefaultsAreCopies(t *testing.T) {
	s := schemaOf(t, defaultSchema)
	a, b := mustObj(t, `{spec: {}}`), mustObj(t, `{spec: {}}`)
	applyDefaults(a.Object, s)
	applyDefaults(b.Object, s)
	a.Object["spec"].(map[string]interface{})["opts"].(map[string]interface{})["retries"] = int64(9)
	if got := b.Object["spec"].(map[string]interface{})["opts"].(map[string]interface{})["retries"]; got != int64(3) {
		t.Fatalf("defaults shared between objects: %v", got)
	}
}
