package crd

import (
	"testing"
)

const openAPISchema = `
type: object
required: [spec]
properties:
  spec:
    type: object
    required: [name]
    properties:
      name: {type: string, maxLength: 5, pattern: '^[a-z]+$'}
      size: {type: integer, minimum: 1, maximum: 10}
      ratio: {type: number, exclusiveMaximum: true, maximum: 1}
      mode: {type: string, enum: [fast, slow]}
      when: {type: string, format: date-time}
      port: {x-kubernetes-int-or-string: true}
      opt: {type: string, nullable: true}
      tags:
        type: array
        maxItems: 2
        items: {type: string, minLength: 2}
        x-kubernetes-list-type: set
      ports:
        type: array
        x-kubernetes-list-type: map
        x-kubernetes-list-map-keys: [name]
        items:
          type: object
          required: [name]
          properties:
            name: {type: string}
            port: {type: integer}
      labels:
        type: object
        maxProperties: 1
        additionalProperties: {type: string}
`

func TestSchemaValidation(t *testing.T) {
	tests := []struct {
		name string
		spec string
		want []string
	}{
		{name: "valid", spec: `{name: abc, size: 3, ratio: 0.5, mode: fast, when: "2024-01-02T03:04:05Z", port: 80, opt: null, tags: [aa, bb], ports: [{name: a}, {name: b}], labels: {a: b}}`},
		{name: "int-or-string accepts strings", spec: `{name: abc, port: http}`},
		{name: "minimum", spec: `{name: abc, size: 0}`,
			want: []string{"spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"}},
		{name: "maximum", spec: `{name: abc, size: 11}`,
			want: []string{"spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"}},
		{name: "exclusive maximum", spec: `{name: abc, ratio: 1}`,
			want: []string{"spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1"}},
		{name: "type", spec: `{name: abc, size: "3"}`,
			want: []string{`spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"`}},
		{name: "int-or-string type", spec: `{name: abc, port: true}`,
			want: []string{`spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"`}},
		{name: "null not nullable", spec: `{name: abc, size: null}`,
			want: []string{`spec.size: Invalid value: "null": spec.size in body must be of type integer: "null"`}},
		{name: "required", spec: `{size: 1}`,
			want: []string{"spec.name: Required value"}},
		{name: "enum", spec: `{name: abc, mode: medium}`,
			want: []string{`spec.mode: Unsupported value: "medium": supported values: "fast", "slow"`}},
		{name: "pattern", spec: `{name: "A1"}`,
			want: []string{`spec.name: Invalid value: "A1": spec.name in body should match '^[a-z]+$'`}},
		{name: "maxLength", spec: `{name: abcdefg}`,
			want: []string{"spec.name: Too long: may not be more than 5 bytes"}},
		{name: "format", spec: `{name: abc, when: yesterday}`,
			want: []string{`spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"`}},
		{name: "maxItems and item minLength", spec: `{name: abc, tags: [a, bb, cc]}`,
			want: []string{
				"spec.tags: Too many: 3: must have at most 2 items",
				`spec.tags[0]: Invalid value: "a": spec.tags[0] in body should be at least 2 chars long`,
			}},
		{name: "set duplicates", spec: `{name: abc, tags: [aa, aa]}`,
			want: []string{`spec.tags[1]: Duplicate value: "aa"`}},
		{name: "map list duplicates", spec: `{name: abc, ports: [{name: a, port: 1}, {name: a, port: 2}]}`,
			want: []string{`spec.ports[1]: Duplicate value: {"name":"a"}`}},
		{name: "maxProperties", spec: `{name: abc, labels: {a: b, c: d}}`,
			want: []string{"spec.labels: Too many: 2: must have at most 1 item"}},
	}
	s := schemaOf(t, openAPISchema)
	sv, err := newSchemaValidator(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := mustObj(t, "{spec: "+tt.spec+"}")
			errs := sv.validate(nil, obj.Object)
			errs = append(errs, validateListTypes(nil, obj.Object, s)...)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			sortStrings(got)
			sortStrings(tt.want)
			if !equalStrings(got, tt.want) {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRootRequired(t *testing.T) {
	sv, _ := newSchemaValidator(schemaOf(t, openAPISchema))
	errs := sv.validate(nil, mustObj(t, `{metadata: {name: x}}`).Object)
	if len(errs) != 1 || errs[0].Error() != "spec: Required value" {
		t.Fatalf("got %v", errs)
	}
}
