package crd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/client-go/util/jsonpath"
)

// Descriptions Kubernetes gives the NAME and AGE columns of custom resources.
const (
	nameColumnDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
	ageColumnDescription  = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)

// defaultColumns is what a version without additionalPrinterColumns shows
// besides NAME: its age. Declared columns replace it entirely, as in
// Kubernetes; a CRD that wants AGE next to its own columns declares it.
var defaultColumns = []apiextv1.CustomResourceColumnDefinition{{
	Name: "Age", Type: "date", Description: ageColumnDescription, JSONPath: ".metadata.creationTimestamp",
}}

// table renders custom resources as kubectl tables: NAME, then the version's
// printer columns.
type table struct {
	columns []metav1.TableColumnDefinition
	cells   []*column
	now     func() time.Time
}

type column struct {
	typ string
	mu  sync.Mutex // jsonpath.JSONPath keeps evaluation state
	jp  *jsonpath.JSONPath
}

// parseColumnPath parses a printer column or selectable field path
// (".spec.size") as client-go's jsonpath does for kubectl.
func parseColumnPath(name, path string) (*jsonpath.JSONPath, error) {
	jp := jsonpath.New(name).AllowMissingKeys(true)
	if err := jp.Parse(fmt.Sprintf("{%s}", path)); err != nil {
		return nil, err
	}
	return jp, nil
}

func newTable(cols []apiextv1.CustomResourceColumnDefinition, now func() time.Time) (*table, error) {
	if len(cols) == 0 {
		cols = defaultColumns
	}
	t := &table{now: now}
	t.columns = append(t.columns, metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: nameColumnDescription})
	for _, c := range cols {
		jp, err := parseColumnPath(c.Name, c.JSONPath)
		if err != nil {
			return nil, fmt.Errorf("printer column %q: unrecognized column definition %q: %w", c.Name, c.JSONPath, err)
		}
		t.columns = append(t.columns, metav1.TableColumnDefinition{
			Name: c.Name, Type: c.Type, Format: c.Format, Description: c.Description, Priority: c.Priority,
		})
		t.cells = append(t.cells, &column{typ: c.Type, jp: jp})
	}
	return t, nil
}

// row returns the cells of one object: its name, then one cell per column
// (nil where the path finds nothing).
func (t *table) row(obj runtime.Object) []interface{} {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil
	}
	cells := make([]interface{}, 0, len(t.columns))
	cells = append(cells, u.GetName())
	for _, c := range t.cells {
		cells = append(cells, c.cell(u.Object, t.now))
	}
	return cells
}

func (c *column) cell(obj map[string]interface{}, now func() time.Time) interface{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	results, err := c.jp.FindResults(obj)
	if err != nil || len(results) == 0 || len(results[0]) == 0 {
		return nil
	}
	value := results[0][0].Interface()
	if c.typ == "string" {
		var buf bytes.Buffer
		if err := c.jp.PrintResults(&buf, []reflect.Value{reflect.ValueOf(value)}); err != nil {
			return nil
		}
		return buf.String()
	}
	return jsonCell(c.typ, value, now)
}

// jsonCell converts a value to the Go type kubectl expects for the column
// type; a date is rendered as an age ("5m").
func jsonCell(typ string, value interface{}, now func() time.Time) interface{} {
	switch typ {
	case "integer":
		switch v := value.(type) {
		case int64:
			return v
		case float64:
			return int64(v)
		case json.Number:
			if i, err := v.Int64(); err == nil {
				return i
			}
		}
	case "number":
		switch v := value.(type) {
		case int64:
			return float64(v)
		case float64:
			return v
		case json.Number:
			if f, err := v.Float64(); err == nil {
				return f
			}
		}
	case "boolean":
		if b, ok := value.(bool); ok {
			return b
		}
	case "date":
		s, ok := value.(string)
		if !ok {
			return nil
		}
		var ts metav1.Time
		if err := ts.UnmarshalQueryParameter(s); err != nil {
			return nil
		}
		if ts.IsZero() {
			return "<unknown>"
		}
		return duration.HumanDuration(now().Sub(ts.Time))
	}
	return nil
}
