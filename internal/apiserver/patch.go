package apiserver

import (
	"fmt"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	sjson "sigs.k8s.io/json"

	"github.com/bosun-dev/bosun/internal/registry"
)

const (
	patchJSON      = "application/json-patch+json"
	patchMerge     = "application/merge-patch+json"
	patchStrategic = "application/strategic-merge-patch+json"
	patchApply     = "application/apply-patch+yaml"
)

func (s *Server) servePatch(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource, subresource string) {
	pt := contentType(r)
	_, custom := res.New().(*unstructured.Unstructured)
	switch {
	case pt == patchJSON || pt == patchMerge || pt == patchApply:
	case pt == patchStrategic && !custom:
	default:
		accepted := "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
		if !custom {
			accepted = "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"
		}
		s.writeError(w, r, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "patch", res.GVR.GroupResource(), info.Name,
			fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", accepted), 0, false))
		return
	}
	// Options are checked after the patch type, as kube-apiserver does.
	wo, body, err := s.readWrite(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if pt == patchApply {
		s.serveApply(w, r, info, res, subresource, wo, body)
		return
	}
	gvk := res.GVK()
	cannot := func(err error) error {
		return apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, gvk.Kind, err))
	}
	mutate := func(cur runtime.Object) (runtime.Object, error) {
		curJSON, err := encode(mediaJSON, cur)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		var patched []byte
		switch pt {
		case patchJSON:
			p, err := jsonpatch.DecodePatch(body)
			if err != nil {
				return nil, apierrors.NewBadRequest(err.Error())
			}
			if patched, err = p.Apply(curJSON); err != nil {
				return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", res.GVR.GroupResource(), info.Name, err.Error(), 0, false)
			}
		case patchMerge:
			if patched, err = jsonpatch.MergePatch(curJSON, body); err != nil {
				return nil, apierrors.NewBadRequest(err.Error())
			}
		case patchStrategic:
			if patched, err = strategicpatch.StrategicMergePatch(curJSON, body, res.New()); err != nil {
				return nil, apierrors.NewBadRequest(err.Error())
			}
		}
		next := res.New()
		var strict []string
		if u, ok := next.(*unstructured.Unstructured); ok {
			m := map[string]any{}
			if err := sjson.UnmarshalCaseSensitivePreserveInts(patched, &m); err != nil {
				return nil, cannot(err)
			}
			u.Object = m
		} else {
			errs, err := sjson.UnmarshalStrict(patched, next)
			if err != nil {
				return nil, cannot(err)
			}
			strict = errStrings(errs)
		}
		if res.Rules.Prune != nil {
			for _, p := range res.Rules.Prune(next) {
				strict = append(strict, fmt.Sprintf("unknown field %q", p))
			}
		}
		if err := applyFieldValidation(w, wo.fv, strict, cannot); err != nil {
			return nil, err
		}
		next.GetObjectKind().SetGroupVersionKind(gvk)
		return next, nil
	}
	out, err := s.update(r.Context(), res, info.Namespace, info.Name, updateOptions{writeOptions: wo, subresource: subresource}, mutate)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, out)
}

// serveApply runs server-side apply: the field manager merges the applied
// configuration into the live object (creating it when absent), reporting
// conflicts with other managers unless force is set.
func (s *Server) serveApply(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource, subresource string, wo writeOptions, body []byte) {
	force := r.URL.Query().Get("force") == "true"
	jsonData, err := toJSON(body, patchApply)
	if err != nil {
		s.writeError(w, r, apierrors.NewBadRequest("error decoding YAML: "+err.Error()))
		return
	}
	applied := &unstructured.Unstructured{}
	if err := applied.UnmarshalJSON(jsonData); err != nil {
		s.writeError(w, r, apierrors.NewBadRequest(err.Error()))
		return
	}
	if applied.GetName() != info.Name {
		s.writeError(w, r, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", applied.GetName(), info.Name)))
		return
	}
	if applied.GroupVersionKind() != res.GVK() {
		s.writeError(w, r, apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", applied.GetAPIVersion(), res.GVR.GroupVersion())))
		return
	}
	fm, err := s.managers.get(res, subresource)
	if err != nil {
		s.writeError(w, r, apierrors.NewInternalError(err))
		return
	}
	apply := func(live runtime.Object) (runtime.Object, error) {
		out, err := fm.Apply(live, applied.DeepCopy(), wo.manager, force)
		if err != nil {
			if apierrors.IsConflict(err) {
				return nil, err
			}
			if _, ok := err.(apierrors.APIStatus); ok {
				return nil, err
			}
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	}
	out, err := s.update(r.Context(), res, info.Namespace, info.Name,
		updateOptions{writeOptions: wo, subresource: subresource, managedByMutation: true}, apply)
	if apierrors.IsNotFound(err) && subresource == "" {
		live := res.New()
		m, _ := meta.Accessor(live)
		m.SetName(info.Name)
		m.SetNamespace(info.Namespace)
		var obj runtime.Object
		if obj, err = apply(live); err == nil {
			out, err = s.createApplied(r, res, obj, info.Namespace, wo)
			if err == nil {
				s.writeObject(w, r, http.StatusCreated, out)
				return
			}
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, out)
}

// createApplied creates the object a server-side apply produced, keeping
// the managedFields the apply computed.
func (s *Server) createApplied(r *http.Request, res *registry.Resource, obj runtime.Object, namespace string, wo writeOptions) (runtime.Object, error) {
	m, _ := meta.Accessor(obj)
	managed := m.GetManagedFields()
	out, err := s.createWith(r.Context(), res, obj, namespace, wo, func(o runtime.Object) runtime.Object {
		om, _ := meta.Accessor(o)
		om.SetManagedFields(managed)
		return o
	})
	return out, err
}
