package apiserver

import (
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bosun-dev/bosun/internal/registry"
)

// defaultColumns is what Kubernetes shows for resources without printers.
var defaultColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	{Name: "Created At", Type: "date", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
}

func defaultRow(obj runtime.Object) []interface{} {
	m, err := meta.Accessor(obj)
	if err != nil {
		return []interface{}{"", ""}
	}
	return []interface{}{m.GetName(), m.GetCreationTimestamp().UTC().Format(time.RFC3339)}
}

// toTable renders obj (a single object) or items (a list, with obj the list
// object) as a metav1.Table with the resource's columns.
func (s *Server) toTable(r *http.Request, res *registry.Resource, obj runtime.Object, items []runtime.Object) (*metav1.Table, error) {
	include := metav1.IncludeMetadata
	switch v := r.URL.Query().Get("includeObject"); v {
	case "", "Metadata":
	case "None":
		include = metav1.IncludeNone
	case "Object":
		include = metav1.IncludeObject
	default:
		return nil, apierrors.NewBadRequest("includeObject must be one of None, Metadata or Object")
	}
	table := &metav1.Table{TypeMeta: metav1.TypeMeta{Kind: "Table", APIVersion: "meta.k8s.io/v1"}}
	table.ColumnDefinitions = tableColumns(res)
	if items == nil {
		items = []runtime.Object{obj}
		if m, err := meta.Accessor(obj); err == nil {
			table.ResourceVersion = m.GetResourceVersion()
		}
	} else if lm, err := meta.ListAccessor(obj); err == nil {
		table.ResourceVersion, table.Continue, table.RemainingItemCount = lm.GetResourceVersion(), lm.GetContinue(), lm.GetRemainingItemCount()
	}
	table.Rows = make([]metav1.TableRow, 0, len(items))
	for _, it := range items {
		row, err := tableRow(res, it, include)
		if err != nil {
			return nil, err
		}
		table.Rows = append(table.Rows, row)
	}
	return table, nil
}

func tableColumns(res *registry.Resource) []metav1.TableColumnDefinition {
	if res.Rules.Columns != nil {
		return res.Rules.Columns
	}
	return defaultColumns
}

func tableRow(res *registry.Resource, obj runtime.Object, include metav1.IncludeObjectPolicy) (metav1.TableRow, error) {
	var cells []interface{}
	if res.Rules.Row != nil && res.Rules.Columns != nil {
		cells = res.Rules.Row(obj)
	} else {
		cells = defaultRow(obj)
	}
	row := metav1.TableRow{Cells: cells}
	var embedded runtime.Object
	switch include {
	case metav1.IncludeMetadata:
		embedded = metaOf(obj)
	case metav1.IncludeObject:
		embedded = obj
	}
	if embedded != nil {
		data, err := encode(mediaJSON, embedded)
		if err != nil {
			return row, apierrors.NewInternalError(err)
		}
		row.Object = runtime.RawExtension{Raw: data}
	}
	return row, nil
}
