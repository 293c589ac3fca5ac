package crd

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

const celSchema = `
type: object
properties:
  spec:
    type: object
    x-kubernetes-validations:
    - rule: self.minReplicas <= self.replicas
      message: replicas should be greater than or equal to minReplicas
    - rule: "!has(self.mode) || self.mode != 'bad'"
      messageExpression: "'mode ' + self.mode + ' is not allowed'"
      fieldPath: .mode
      reason: FieldValueForbidden
    - rule: self.replicas == oldSelf.replicas || self.replicas > oldSelf.replicas
      message: replicas may not decrease
    - rule: "self.tags.all(t, t.size() < 5) && self.tags.isSorted()"
    properties:
      replicas: {type: integer}
      minReplicas: {type: integer}
      mode: {type: string}
      ratio: {type: number}
      timeout: {type: string, format: duration}
      tags:
        type: array
        items: {type: string}
      labels:
        type: object
        additionalProperties: {type: string}
        x-kubernetes-validations:
        - rule: "self.all(k, k.startsWith('x'))"
      ports:
        type: array
        x-kubernetes-list-type: map
        x-kubernetes-list-map-keys: [name]
        items:
          type: object
          required: [name]
          properties:
            name: {type: string}
            port:
              type: integer
              x-kubernetes-validations:
              - rule: self == oldSelf
                message: port is immutable
  status:
    type: object
    x-kubernetes-validations:
    - rule: "!has(oldSelf.phase) || has(self.phase)"
      optionalOldSelf: true
      message: phase may not be unset
    properties:
      phase: {type: string}
x-kubernetes-validations:
- rule: self.metadata.name.startsWith('w')
  messageExpression: "'name ' + self.metadata.name + ' must start with w'"
- rule: "self.spec.ratio < 1.5 && self.spec.timeout < duration('1h')"
`

func TestCEL(t *testing.T) {
	s := schemaOf(t, celSchema)
	n, errs := compileCEL(s, field.NewPath("schema"))
	if len(errs) > 0 {
		t.Fatalf("compile: %v", errs)
	}
	base := `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
spec:
  replicas: 3
  minReplicas: 1
  ratio: 1
  timeout: 30s
  tags: [a, b]
  labels: {xa: "1"}
  ports: [{name: http, port: 80}]
`
	tests := []struct {
		name string
		obj  string
		old  string
		want []string
	}{
		{name: "valid", obj: base},
		{name: "rule with message", obj: strings.Replace(base, "minReplicas: 1", "minReplicas: 5", 1),
			want: []string{`spec: Invalid value: "object": replicas should be greater than or equal to minReplicas`}},
		{name: "messageExpression, fieldPath and reason", obj: strings.Replace(base, "ratio: 1", "ratio: 1\n  mode: bad", 1),
			want: []string{`spec.mode: Forbidden: mode bad is not allowed`}},
		{name: "root rule on metadata", obj: strings.Replace(base, "name: w1", "name: x1", 1),
			want: []string{`<nil>: Invalid value: "object": name x1 must start with w`}},
		{name: "default message", obj: strings.Replace(base, "tags: [a, b]", "tags: [b, a]", 1),
			want: []string{`spec: Invalid value: "object": failed rule: self.tags.all(t, t.size() < 5) && self.tags.isSorted()`}},
		{name: "number and duration types", obj: strings.Replace(base, "timeout: 30s", "timeout: 2h", 1),
			want: []string{`<nil>: Invalid value: "object": failed rule: self.spec.ratio < 1.5 && self.spec.timeout < duration('1h')`}},
		{name: "map rule", obj: strings.Replace(base, "xa:", "ya:", 1),
			want: []string{`spec.labels: Invalid value: "object": failed rule: self.all(k, k.startsWith('x'))`}},
		{name: "transition rule skipped on create", obj: base},
		{name: "transition rule on update", obj: base, old: strings.Replace(base, "replicas: 3", "replicas: 4", 1),
			want: []string{`spec: Invalid value: "object": replicas may not decrease`}},
		{name: "map list correlates by key", obj: base, old: strings.Replace(base, "port: 80", "port: 81", 1),
			want: []string{`spec.ports[0].port: Invalid value: "integer": port is immutable`}},
		{name: "new map list item has no old value", obj: base, old: strings.Replace(base, "name: http", "name: https", 1)},
		{name: "optionalOldSelf on create", obj: base + "status: {}\n"},
		{name: "optionalOldSelf on update", obj: base + "status: {}\n", old: base + "status: {phase: Running}\n",
			want: []string{`status: Invalid value: "object": phase may not be unset`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := mustObj(t, tt.obj)
			var old map[string]interface{}
			if tt.old != "" {
				old = mustObj(t, tt.old).Object
			}
			var got []string
			for _, e := range n.celValidate(obj.Object, old) {
				got = append(got, e.Error())
			}
			if !equalStrings(got, tt.want) {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCELCompileErrors(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   string
	}{
		{name: "undefined field", schema: `
type: object
properties:
  spec:
    type: object
    properties: {size: {type: integer}}
    x-kubernetes-validations: [{rule: self.colr == 1}]`,
			want: `schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: `},
		{name: "not bool", schema: `
type: object
x-kubernetes-validations: [{rule: "1 + 1"}]`, want: "cel expression must evaluate to a bool"},
		{name: "syntax", schema: `
type: object
x-kubernetes-validations: [{rule: "self.("}]`, want: "compilation failed: ERROR: <input>:1:"},
		{name: "uncorrelatable oldSelf", schema: `
type: object
properties:
  items:
    type: array
    items:
      type: string
      x-kubernetes-validations: [{rule: self == oldSelf}]`, want: "oldSelf cannot be used on the uncorrelatable portion of the schema"},
		{name: "bad messageExpression", schema: `
type: object
x-kubernetes-validations: [{rule: "true", messageExpression: "1"}]`, want: "x-kubernetes-validations[0].messageExpression: Invalid value"},
		{name: "bad fieldPath", schema: `
type: object
properties: {spec: {type: object}}
x-kubernetes-validations: [{rule: "true", fieldPath: ".nope"}]`, want: "fieldPath must be a valid path"},
		{name: "escaped names", schema: `
type: object
properties:
  spec:
    type: object
    properties:
      "x-y": {type: string}
      namespace: {type: string}
    x-kubernetes-validations: [{rule: "self.x__dash__y == self.__namespace__"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := compileCEL(schemaOf(t, tt.schema), field.NewPath("schema"))
			if tt.want == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected %v", errs)
				}
				return
			}
			if len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), tt.want) {
				t.Fatalf("got %v, want %q", errs, tt.want)
			}
		})
	}
}

func TestCELUndefinedFieldMessage(t *testing.T) {
	_, errs := compileCEL(schemaOf(t, `
type: object
properties:
  spec:
    type: object
    properties: {size: {type: integer}}
    x-kubernetes-validations: [{rule: self.colr == 1}]`), field.NewPath("schema"))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "compilation failed: ERROR: <input>:1:5: undefined field 'colr'") {
		t.Fatalf("got %v", errs)
	}
}

func TestCELCostLimit(t *testing.T) {
	s := schemaOf(t, `
type: object
properties:
  spec:
    type: object
    properties:
      items: {type: array, items: {type: string}}
    x-kubernetes-validations:
    - rule: "self.items.all(a, self.items.all(b, self.items.all(c, a + b + c != 'zzz')))"`)
	n, errs := compileCEL(s, field.NewPath("schema"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var items []interface{}
	for i := 0; i < 200; i++ {
		items = append(items, "x")
	}
	obj := map[string]interface{}{"spec": map[string]interface{}{"items": items}}
	got := n.celValidate(obj, nil)
	if len(got) != 1 || !strings.Contains(got[0].Error(), "cost") {
		t.Fatalf("got %v", got)
	}
}
