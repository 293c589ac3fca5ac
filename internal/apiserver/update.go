package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// mutation turns the current object (a private copy) into the desired one.
type mutation func(cur runtime.Object) (runtime.Object, error)

// updateOptions say how an update is run.
type updateOptions struct {
	writeOptions
	subresource string
	// managedByMutation is set for server-side apply, whose mutation already
	// updated managedFields.
	managedByMutation bool
	// system marks writes the server makes itself (marking deletion, binding):
	// the mutation sets exactly what changes, so no defaulting, status
	// carry-over or field management applies.
	system bool
}

// errDeleteNow ends an update whose result is a deleted object: the last
// finalizer of an object being deleted was removed.
type errDeleteNow struct{ obj runtime.Object }

func (errDeleteNow) Error() string { return "delete now" }

func (s *Server) serveUpdate(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource, subresource string) {
	wo, body, err := s.readWrite(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	obj, err := s.decodeObject(w, res, body, contentType(r), wo.fv)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, _ := meta.Accessor(obj)
	if m.GetName() != info.Name {
		s.writeError(w, r, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), info.Name)))
		return
	}
	if res.Namespaced && m.GetNamespace() != "" && m.GetNamespace() != info.Namespace {
		s.writeError(w, r, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request"))
		return
	}
	out, err := s.update(r.Context(), res, info.Namespace, info.Name, updateOptions{writeOptions: wo, subresource: subresource},
		func(runtime.Object) (runtime.Object, error) { return obj.DeepCopyObject(), nil })
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, out)
}

// update reads the current object, applies mutate and runs the update
// pipeline (system fields, defaulting, status carry-over, validation,
// managed fields), writing with optimistic concurrency.
func (s *Server) update(ctx context.Context, res *registry.Resource, namespace, name string, opts updateOptions, mutate mutation) (runtime.Object, error) {
	gr := res.GVR.GroupResource()
	key := s.key(res, namespace, name)
	try := func(stored runtime.Object) (runtime.Object, error) {
		cur, err := s.fromStorage(res, stored)
		if err != nil {
			return nil, err
		}
		next, err := mutate(cur.DeepCopyObject())
		if err != nil {
			return nil, err
		}
		next, err = s.prepareUpdate(res, next, cur, opts)
		if err != nil {
			return nil, err
		}
		if opts.subresource == "" && !opts.system {
			if err := s.admitQuota(ctx, res, next, cur, opts.dryRun); err != nil {
				return nil, err
			}
		}
		if svc, ok := next.(*corev1.Service); ok && s.cfg.Services != nil && opts.subresource == "" {
			release, err := s.cfg.Services.Allocate(svc, cur.(*corev1.Service), opts.dryRun)
			if err != nil {
				return nil, err
			}
			_ = release // Update allocations stay; deletes release them.
		}
		if m, _ := meta.Accessor(next); m.GetDeletionTimestamp() != nil && len(m.GetFinalizers()) == 0 && !holdsForFinalization(next) && !isGraceful(next) {
			return nil, errDeleteNow{next}
		}
		return s.toStorage(res, next)
	}
	var out runtime.Object
	var err error
	if opts.dryRun {
		var cur runtime.Object
		if cur, err = s.store.Get(ctx, key); err == nil {
			out, err = try(cur)
		}
	} else {
		out, err = s.store.Update(ctx, key, try)
	}
	var del errDeleteNow
	if errors.As(err, &del) {
		if opts.dryRun {
			return del.obj, nil
		}
		return s.finishDeletion(ctx, res, key, del.obj)
	}
	if err != nil {
		return nil, storageError(err, gr, name)
	}
	return s.fromStorage(res, out)
}

// finishDeletion removes an object whose finalizers are all gone.
func (s *Server) finishDeletion(ctx context.Context, res *registry.Resource, key string, obj runtime.Object) (runtime.Object, error) {
	m, _ := meta.Accessor(obj)
	uid := m.GetUID()
	deleted, err := s.store.Delete(ctx, key, func(cur runtime.Object) error {
		cm, _ := meta.Accessor(cur)
		if cm.GetUID() != uid {
			return apierrors.NewConflict(res.GVR.GroupResource(), m.GetName(), errors.New("the UID changed while deleting"))
		}
		return nil
	})
	if err != nil {
		return nil, storageError(err, res.GVR.GroupResource(), m.GetName())
	}
	s.released(res, deleted)
	return obj, nil
}

// prepareUpdate turns a client's desired object into the one to store,
// given the current one.
func (s *Server) prepareUpdate(res *registry.Resource, next, cur runtime.Object, opts updateOptions) (runtime.Object, error) {
	gr := res.GVR.GroupResource()
	nm, err := meta.Accessor(next)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	cm, _ := meta.Accessor(cur)
	if rv := nm.GetResourceVersion(); rv != "" && rv != cm.GetResourceVersion() {
		return nil, apierrors.NewConflict(gr, cm.GetName(), errors.New(conflictMessage))
	}
	if opts.system {
		// The server's own writes (marking deletion, binding, finalize) change
		// system-owned fields that client updates may not touch.
		return next, nil
	}
	if opts.subresource == "status" {
		// A status write changes status and nothing else.
		next = copyAllButStatusMeta(cur, next)
		nm, _ = meta.Accessor(next)
	}
	nm.SetNamespace(cm.GetNamespace())
	nm.SetUID(cm.GetUID())
	nm.SetCreationTimestamp(cm.GetCreationTimestamp())
	nm.SetDeletionTimestamp(cm.GetDeletionTimestamp())
	nm.SetDeletionGracePeriodSeconds(cm.GetDeletionGracePeriodSeconds())
	nm.SetGeneration(cm.GetGeneration())
	nm.SetSelfLink("")
	nm.SetResourceVersion(cm.GetResourceVersion())
	if opts.subresource == "" {
		if res.Rules.Default != nil {
			res.Rules.Default(next)
		}
		if res.Status {
			copyStatus(next, cur)
		}
		if res.Rules.PrepareForUpdate != nil {
			res.Rules.PrepareForUpdate(next, cur)
		}
		if hasSpec(next) && !specEqual(next, cur) {
			nm.SetGeneration(cm.GetGeneration() + 1)
		}
	}
	if err := validateUpdate(res, next, cur, opts.subresource); err != nil {
		return nil, err
	}
	if !opts.managedByMutation {
		fm, err := s.managers.get(res, opts.subresource)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		next = fm.UpdateNoErrors(cur, next, opts.manager)
	}
	return next, nil
}

// copyAllButStatusMeta returns cur with next's status.
func copyAllButStatusMeta(cur, next runtime.Object) runtime.Object {
	out := cur.DeepCopyObject()
	copyStatus(out, next)
	if nm, err := meta.Accessor(next); err == nil {
		om, _ := meta.Accessor(out)
		om.SetResourceVersion(nm.GetResourceVersion())
		om.SetManagedFields(nm.GetManagedFields())
	}
	return out
}

func validateUpdate(res *registry.Resource, next, cur runtime.Object, subresource string) error {
	nm, _ := meta.Accessor(next)
	cm, _ := meta.Accessor(cur)
	nameFn := validation.NameIsDNSSubdomain
	if res.Rules.NameValidation != nil {
		nameFn = res.Rules.NameValidation
	}
	path := field.NewPath("metadata")
	errs := validation.ValidateObjectMetaAccessor(nm, res.Namespaced, validation.ValidateNameFunc(nameFn), path)
	errs = append(errs, validation.ValidateObjectMetaAccessorUpdate(nm, cm, path)...)
	if cm.GetDeletionTimestamp() != nil {
		errs = append(errs, validation.ValidateNoNewFinalizers(nm.GetFinalizers(), cm.GetFinalizers(), path.Child("finalizers"))...)
	}
	switch {
	case subresource == "status" && res.Rules.ValidateStatusUpdate != nil:
		errs = append(errs, res.Rules.ValidateStatusUpdate(next, cur)...)
	case subresource == "" && res.Rules.ValidateUpdate != nil:
		errs = append(errs, res.Rules.ValidateUpdate(next, cur)...)
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(res.GVK().GroupKind(), nm.GetName(), errs)
	}
	return nil
}
