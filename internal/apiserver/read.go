package apiserver

import (
	"context"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
	"github.com/bosun-dev/bosun/internal/registry"
)

var nsGR = schema.GroupResource{Resource: "namespaces"}

func (s *Server) namespaceKey(name string) string { return storage.Key("", "namespaces", "", name) }

// toStorage and fromStorage convert between a resource's served form and
// its stored form when they differ (events.k8s.io Events, CR versions).
func (s *Server) toStorage(res *registry.Resource, obj runtime.Object) (runtime.Object, error) {
	if res.ToStorage == nil {
		return obj, nil
	}
	out, err := res.ToStorage(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return out, nil
}

func (s *Server) fromStorage(res *registry.Resource, obj runtime.Object) (runtime.Object, error) {
	if res.FromStorage == nil {
		return obj, nil
	}
	out, err := res.FromStorage(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return out, nil
}

// get reads one object in its served form.
func (s *Server) get(ctx context.Context, res *registry.Resource, namespace, name string) (runtime.Object, error) {
	obj, err := s.store.Get(ctx, s.key(res, namespace, name))
	if err != nil {
		return nil, storageError(err, res.GVR.GroupResource(), name)
	}
	return s.fromStorage(res, obj)
}

func (s *Server) serveGet(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource) {
	if res.FromStorage != nil {
		obj, err := s.get(r.Context(), res, info.Namespace, info.Name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeRead(w, r, res, obj, nil, nil)
		return
	}
	// Served as stored: the object may be the watch cache's, with its
	// encodings, which writeRead only reads.
	obj, enc, err := s.store.GetShared(r.Context(), s.key(res, info.Namespace, info.Name))
	if err != nil {
		s.writeError(w, r, storageError(err, res.GVR.GroupResource(), info.Name))
		return
	}
	s.writeRead(w, r, res, obj, nil, []*storage.Encodings{enc})
}

// writeRead writes a get or list result, transformed to a Table or
// PartialObjectMetadata when the client asked for one. encs, when set,
// holds the list items' cached encodings (see list), or for a get (items
// nil) obj's at encs[0].
func (s *Server) writeRead(w http.ResponseWriter, r *http.Request, res *registry.Resource, obj runtime.Object, items []runtime.Object, encs []*storage.Encodings) {
	_, custom := res.New().(*unstructured.Unstructured)
	out, err := negotiate(r, true, !custom)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	switch out.as {
	case "Table":
		table, err := s.toTable(r, res, obj, items)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeEncoded(w, r, http.StatusOK, out.mediaType, table)
		return
	case "PartialObjectMetadata", "PartialObjectMetadataList":
		s.writeEncoded(w, r, http.StatusOK, out.mediaType, partialMetadata(obj, items))
		return
	}
	if items == nil && len(encs) == 1 && encs[0] != nil && !custom {
		s.writeCachedObject(w, r, out.mediaType, obj, encs[0])
		return
	}
	if out.mediaType == mediaProtobuf {
		obj = withProtobufEncodings(obj, encs)
	}
	s.writeEncoded(w, r, http.StatusOK, out.mediaType, obj)
}

func partialMetadata(obj runtime.Object, items []runtime.Object) runtime.Object {
	if items == nil {
		return metaOf(obj)
	}
	list := &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{Kind: "PartialObjectMetadataList", APIVersion: "meta.k8s.io/v1"}}
	if lm, err := meta.ListAccessor(obj); err == nil {
		list.ResourceVersion, list.Continue, list.RemainingItemCount = lm.GetResourceVersion(), lm.GetContinue(), lm.GetRemainingItemCount()
	}
	for _, it := range items {
		list.Items = append(list.Items, *metaOf(it))
	}
	return list
}

func metaOf(obj runtime.Object) *metav1.PartialObjectMetadata {
	out := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"}}
	if m, err := meta.Accessor(obj); err == nil {
		out.ObjectMeta = *objectMetaCopy(m)
	}
	return out
}

func objectMetaCopy(m metav1.Object) *metav1.ObjectMeta {
	if om, ok := m.(*metav1.ObjectMeta); ok {
		return om.DeepCopy()
	}
	return &metav1.ObjectMeta{
		Name: m.GetName(), GenerateName: m.GetGenerateName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
		ResourceVersion: m.GetResourceVersion(), Generation: m.GetGeneration(), CreationTimestamp: m.GetCreationTimestamp(),
		DeletionTimestamp: m.GetDeletionTimestamp(), DeletionGracePeriodSeconds: m.GetDeletionGracePeriodSeconds(),
		Labels: m.GetLabels(), Annotations: m.GetAnnotations(), OwnerReferences: m.GetOwnerReferences(),
		Finalizers: m.GetFinalizers(), ManagedFields: m.GetManagedFields(),
	}
}

// selection is a parsed label and field selector.
type selection struct {
	labels labels.Selector
	fields fields.Selector
}

func parseSelection(r *http.Request, res *registry.Resource) (selection, error) {
	q := r.URL.Query()
	sel := selection{labels: labels.Everything(), fields: fields.Everything()}
	if ls := q.Get("labelSelector"); ls != "" {
		l, err := labels.Parse(ls)
		if err != nil {
			return sel, apierrors.NewBadRequest("unable to parse requirement: " + err.Error())
		}
		sel.labels = l
	}
	if fs := q.Get("fieldSelector"); fs != "" {
		f, err := fields.ParseSelector(fs)
		if err != nil {
			return sel, apierrors.NewBadRequest("invalid field selector: " + err.Error())
		}
		// Only fields the resource supports may be selected on, as in Kubernetes.
		supported := fieldSet(res, res.New())
		for _, req := range f.Requirements() {
			if _, ok := supported[req.Field]; !ok {
				return sel, apierrors.NewBadRequest(`field label not supported: ` + req.Field)
			}
		}
		sel.fields = f
	}
	return sel, nil
}

// fieldSet returns the selectable fields of obj.
func fieldSet(res *registry.Resource, obj runtime.Object) fields.Set {
	set := fields.Set{}
	if m, err := meta.Accessor(obj); err == nil {
		set["metadata.name"] = m.GetName()
		if res.Namespaced {
			set["metadata.namespace"] = m.GetNamespace()
		}
	}
	if res.Rules.Fields != nil {
		for k, v := range res.Rules.Fields(obj) {
			set[k] = v
		}
	}
	return set
}

func (sel selection) empty() bool { return sel.labels.Empty() && sel.fields.Empty() }

// predicate returns the storage filter for sel (nil when everything matches).
func (sel selection) predicate(res *registry.Resource) storage.Predicate {
	if sel.empty() {
		return nil
	}
	return func(obj runtime.Object) bool {
		m, err := meta.Accessor(obj)
		if err != nil {
			return false
		}
		if !sel.labels.Matches(labels.Set(m.GetLabels())) {
			return false
		}
		if sel.fields.Empty() {
			return true
		}
		served := obj
		if res.FromStorage != nil {
			if o, err := res.FromStorage(obj); err == nil {
				served = o
			}
		}
		return sel.fields.Matches(fieldSet(res, served))
	}
}

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource) {
	q := r.URL.Query()
	sel, err := parseSelection(r, res)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	opts := storage.ListOptions{
		ResourceVersion:      q.Get("resourceVersion"),
		ResourceVersionMatch: q.Get("resourceVersionMatch"),
		Continue:             q.Get("continue"),
		Predicate:            sel.predicate(res),
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil || n < 0 {
			s.writeError(w, r, apierrors.NewBadRequest("limit must be a non-negative integer"))
			return
		}
		opts.Limit = n
	}
	list, items, encs, err := s.list(r.Context(), res, info.Namespace, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeRead(w, r, res, list, items, encs)
}

// list reads a page of objects and builds the typed list object. When the
// items are served as stored (no conversion) from the watch cache, it also
// returns their cached encodings, one per item, else nil.
func (s *Server) list(ctx context.Context, res *registry.Resource, namespace string, opts storage.ListOptions) (runtime.Object, []runtime.Object, []*storage.Encodings, error) {
	ns := namespace
	if !res.Namespaced {
		ns = ""
	}
	result, err := s.store.List(ctx, s.prefix(res, ns), opts)
	if err != nil {
		return nil, nil, nil, storageError(err, res.GVR.GroupResource(), "")
	}
	items, encs := result.Items, result.Encodings
	if res.FromStorage != nil {
		encs = nil
		items = make([]runtime.Object, 0, len(result.Items))
		for _, it := range result.Items {
			o, err := res.FromStorage(it)
			if err != nil {
				return nil, nil, nil, apierrors.NewInternalError(err)
			}
			items = append(items, o)
		}
	}
	if items == nil {
		items = []runtime.Object{}
	}
	list := res.NewList()
	if usesItemList(list) {
		list = &itemList{Items: items}
	} else if err := meta.SetList(list, items); err != nil {
		return nil, nil, nil, apierrors.NewInternalError(err)
	}
	list.GetObjectKind().SetGroupVersionKind(res.GVR.GroupVersion().WithKind(res.ListKind))
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, nil, nil, apierrors.NewInternalError(err)
	}
	lm.SetResourceVersion(strconv.FormatInt(result.Revision, 10))
	lm.SetContinue(result.Continue)
	lm.SetRemainingItemCount(result.RemainingItemCount)
	return list, items, encs, nil
}
