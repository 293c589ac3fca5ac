package apiserver

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/bosun-dev/bosun/internal/registry"
	"github.com/bosun-dev/bosun/internal/registry/builtin"
)

// fieldManagers caches one managedfields.FieldManager per resource and
// subresource; they track managedFields on every write and run server-side apply.
type fieldManagers struct {
	mu sync.Mutex
	m  map[fmKey]*managedfields.FieldManager
}

type fmKey struct {
	gvr         schema.GroupVersionResource
	subresource string
}

var (
	builtinTypesOnce sync.Once
	builtinTypes     managedfields.TypeConverter
)

func (f *fieldManagers) get(res *registry.Resource, subresource string) (*managedfields.FieldManager, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := fmKey{res.GVR, subresource}
	if fm, ok := f.m[k]; ok {
		return fm, nil
	}
	var reset map[fieldpath.APIVersion]fieldpath.Filter
	if res.Status {
		// The main resource may not set status and /status may set only status,
		// so those fields never count as owned by the other's managers.
		version := fieldpath.APIVersion(res.GVR.GroupVersion().String())
		status := fieldpath.NewSet(fieldpath.MakePathOrDie("status"))
		switch subresource {
		case "":
			reset = map[fieldpath.APIVersion]fieldpath.Filter{version: fieldpath.NewExcludeSetFilter(status)}
		case "status":
			reset = map[fieldpath.APIVersion]fieldpath.Filter{version: fieldpath.NewIncludeMatcherFilter(fieldpath.MakePrefixMatcherOrDie("status"))}
		}
	}
	gvk := res.GVK()
	var fm *managedfields.FieldManager
	var err error
	if _, custom := res.New().(*unstructured.Unstructured); custom {
		conv := unstructuredConvertor{}
		fm, err = managedfields.NewDefaultCRDFieldManager(managedfields.NewDeducedTypeConverter(), conv, rulesDefaulter{res}, unstructuredCreater{res}, gvk, gvk.GroupVersion(), subresource, reset)
	} else {
		builtinTypesOnce.Do(func() { builtinTypes = applyconfigurations.NewTypeConverter(builtin.Scheme) })
		types := builtinTypes
		if _, err := types.ObjectToTyped(res.New()); err != nil {
			// client-go's schemas cover k8s.io/api only; the apiextensions
			// kinds get fields deduced from the objects themselves.
			types = managedfields.NewDeducedTypeConverter()
		}
		fm, err = managedfields.NewDefaultFieldManager(types, builtin.Scheme, rulesDefaulter{res}, builtin.Scheme, gvk, gvk.GroupVersion(), subresource, reset)
	}
	if err != nil {
		return nil, fmt.Errorf("field manager for %s: %w", res.GVR, err)
	}
	if f.m == nil {
		f.m = map[fmKey]*managedfields.FieldManager{}
	}
	f.m[k] = fm
	return fm, nil
}

// forget drops cached managers of resources that are being replaced.
func (f *fieldManagers) forget(rs []*registry.Resource) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.m {
		for _, r := range rs {
			if k.gvr == r.GVR {
				delete(f.m, k)
			}
		}
	}
}

// managerName is the field manager of a write: ?fieldManager=, or the user
// agent's program name as Kubernetes derives it.
func managerName(r *http.Request) string {
	if m := r.URL.Query().Get("fieldManager"); m != "" {
		return m
	}
	ua := r.Header.Get("User-Agent")
	if i := strings.Index(ua, "/"); i >= 0 {
		ua = ua[:i]
	}
	if ua == "" {
		ua = "unknown"
	}
	if len(ua) > 128 {
		ua = ua[:128]
	}
	return ua
}

type rulesDefaulter struct{ res *registry.Resource }

func (d rulesDefaulter) Default(obj runtime.Object) {
	if d.res.Rules.Default != nil {
		d.res.Rules.Default(obj)
	}
}

type unstructuredCreater struct{ res *registry.Resource }

func (c unstructuredCreater) New(gvk schema.GroupVersionKind) (runtime.Object, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u, nil
}

// unstructuredConvertor converts custom resources between versions by
// rewriting apiVersion, which is all conversion strategy None does.
type unstructuredConvertor struct{}

func (unstructuredConvertor) Convert(in, out, context interface{}) error {
	ui, ok1 := in.(*unstructured.Unstructured)
	uo, ok2 := out.(*unstructured.Unstructured)
	if !ok1 || !ok2 {
		return fmt.Errorf("unstructured conversion of %T to %T", in, out)
	}
	uo.Object = runtime.DeepCopyJSON(ui.Object)
	return nil
}

func (unstructuredConvertor) ConvertToVersion(in runtime.Object, gv runtime.GroupVersioner) (runtime.Object, error) {
	u, ok := in.(*unstructured.Unstructured)
	if !ok {
		return nil, fmt.Errorf("unstructured conversion of %T", in)
	}
	target, ok := gv.KindForGroupVersionKinds([]schema.GroupVersionKind{u.GroupVersionKind()})
	if !ok {
		return nil, fmt.Errorf("cannot convert %s to %v", u.GroupVersionKind(), gv)
	}
	out := u.DeepCopy()
	out.SetGroupVersionKind(target)
	return out, nil
}

func (unstructuredConvertor) ConvertFieldLabel(gvk schema.GroupVersionKind, label, value string) (string, string, error) {
	return label, value, nil
}
