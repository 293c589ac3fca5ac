package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// writeOptions are the query parameters every write takes.
type writeOptions struct {
	dryRun  bool
	manager string
	fv      fieldValidation
}

// parseWriteOptions reads and checks them as kube-apiserver does: a bad
// value is 422 Invalid on CreateOptions, UpdateOptions or PatchOptions.
func parseWriteOptions(r *http.Request) (writeOptions, error) {
	q := r.URL.Query()
	opts := writeOptions{manager: managerName(r), dryRun: len(q["dryRun"]) > 0}
	manager := q.Get("fieldManager")
	errs := metavalidation.ValidateFieldManager(manager, field.NewPath("fieldManager"))
	errs = append(errs, metavalidation.ValidateDryRun(field.NewPath("dryRun"), q["dryRun"])...)
	errs = append(errs, metavalidation.ValidateFieldValidation(field.NewPath("fieldValidation"), q.Get("fieldValidation"))...)
	kind := "CreateOptions"
	switch r.Method {
	case http.MethodPut:
		kind = "UpdateOptions"
	case http.MethodPatch:
		kind = "PatchOptions"
		if contentType(r) == patchApply {
			if manager == "" {
				errs = append(errs, field.Required(field.NewPath("fieldManager"), "is required for apply patch"))
			}
		} else if q.Has("force") {
			errs = append(errs, field.Forbidden(field.NewPath("force"), "may not be specified for non-apply patch"))
		}
	}
	if len(errs) > 0 {
		return opts, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: kind}, "", errs)
	}
	opts.fv = fieldValidation(q.Get("fieldValidation"))
	if opts.fv == "" {
		opts.fv = validateWarn
	}
	return opts, nil
}

// readWrite reads a write request's options and body, options first (as
// kube-apiserver checks them).
func (s *Server) readWrite(r *http.Request) (writeOptions, []byte, error) {
	opts, err := parseWriteOptions(r)
	if err != nil {
		return opts, nil, err
	}
	body, err := s.readBody(r)
	return opts, body, err
}

func (s *Server) serveCreate(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource) {
	opts, body, err := s.readWrite(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	obj, err := s.decodeObject(w, res, body, contentType(r), opts.fv)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if handled := s.createVirtual(w, r, res, obj); handled {
		return
	}
	out, err := s.create(r.Context(), res, obj, info.Namespace, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusCreated, out)
}

// create runs the whole create pipeline on a decoded object: system fields,
// defaulting, admission, validation, managed fields, allocation and storage.
func (s *Server) create(ctx context.Context, res *registry.Resource, obj runtime.Object, namespace string, opts writeOptions) (runtime.Object, error) {
	return s.createWith(ctx, res, obj, namespace, opts, nil)
}

// createWith is create with managedFields set by track instead of the
// resource's field manager (server-side apply computed them already).
func (s *Server) createWith(ctx context.Context, res *registry.Resource, obj runtime.Object, namespace string, opts writeOptions, track func(runtime.Object) runtime.Object) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	gr := res.GVR.GroupResource()
	if res.Namespaced {
		if m.GetNamespace() == "" {
			m.SetNamespace(namespace)
		} else if namespace != "" && m.GetNamespace() != namespace {
			return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	} else {
		m.SetNamespace("")
	}
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(m.GetGenerateName() + nameSuffix())
	}
	if res.Namespaced {
		if err := s.admitNamespace(ctx, gr, m.GetNamespace(), m.GetName()); err != nil {
			return nil, err
		}
	}
	if err := s.admitCustomResource(ctx, res, obj); err != nil {
		return nil, err
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		if err := s.admitServiceAccount(ctx, pod); err != nil {
			return nil, err
		}
		if err := s.admitPodPriority(ctx, pod); err != nil {
			return nil, err
		}
	}
	if pvc, ok := obj.(*corev1.PersistentVolumeClaim); ok {
		if err := s.admitDefaultStorageClass(ctx, pvc); err != nil {
			return nil, err
		}
	}
	setCreateSystemFields(obj, m)
	if res.Rules.Default != nil {
		res.Rules.Default(obj)
	}
	if res.Status && !keepsStatusOnCreate(res) {
		clearStatus(obj)
	}
	if res.Rules.PrepareForCreate != nil {
		res.Rules.PrepareForCreate(obj)
	}
	if csr, ok := obj.(*certificatesv1.CertificateSigningRequest); ok {
		setRequester(ctx, csr)
	}
	if err := validateCreate(res, obj, m); err != nil {
		return nil, err
	}
	if err := s.admitQuota(ctx, res, obj, nil, opts.dryRun); err != nil {
		return nil, err
	}
	if track != nil {
		obj = track(obj)
	} else {
		fm, err := s.managers.get(res, "")
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		obj = fm.UpdateNoErrors(res.New(), obj, opts.manager)
	}
	return s.allocateAndStore(ctx, res, obj, opts)
}

// allocateAndStore allocates what the object needs (Service IPs and ports) and
// writes it, releasing the allocation when the write fails or is a dry run.
func (s *Server) allocateAndStore(ctx context.Context, res *registry.Resource, obj runtime.Object, opts writeOptions) (runtime.Object, error) {
	gr := res.GVR.GroupResource()
	m, _ := meta.Accessor(obj)
	release := func() {}
	if svc, ok := obj.(*corev1.Service); ok && s.cfg.Services != nil {
		// A duplicate create is AlreadyExists, not a clash of its requested IP
		// with the existing Service's.
		if _, err := s.store.Get(ctx, s.key(res, m.GetNamespace(), m.GetName())); err == nil {
			return nil, apierrors.NewAlreadyExists(gr, m.GetName())
		}
		rel, err := s.cfg.Services.Allocate(svc, nil, opts.dryRun)
		if err != nil {
			return nil, err
		}
		release = rel
	}
	if opts.dryRun {
		release()
		return obj, nil
	}
	key := s.key(res, m.GetNamespace(), m.GetName())
	stored, err := s.toStorage(res, obj)
	if err != nil {
		release()
		return nil, err
	}
	out, err := s.store.Create(ctx, key, stored)
	if err != nil {
		release()
		return nil, storageError(err, gr, m.GetName())
	}
	return s.fromStorage(res, out)
}

// setRequester records who asked for a certificate, from the request's
// credentials (never from the body), as Kubernetes does.
func setRequester(ctx context.Context, csr *certificatesv1.CertificateSigningRequest) {
	u := userFrom(ctx)
	if u == nil {
		return
	}
	csr.Spec.Username, csr.Spec.UID, csr.Spec.Groups = u.Name, u.UID, u.Groups
	csr.Spec.Extra = nil
	for k, v := range u.Extra {
		if csr.Spec.Extra == nil {
			csr.Spec.Extra = map[string]certificatesv1.ExtraValue{}
		}
		csr.Spec.Extra[k] = v
	}
}

// keepsStatusOnCreate: nodes register with their status, as kubelet does.
func keepsStatusOnCreate(res *registry.Resource) bool {
	return res.GVR.Group == "" && res.GVR.Resource == "nodes"
}

func setCreateSystemFields(obj runtime.Object, m metav1.Object) {
	m.SetUID(types.UID(uuid.NewUUID()))
	m.SetCreationTimestamp(metav1.NewTime(time.Now().Truncate(time.Second)))
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetResourceVersion("")
	m.SetSelfLink("")
	if hasSpec(obj) {
		m.SetGeneration(1)
	} else {
		m.SetGeneration(0)
	}
}

func validateCreate(res *registry.Resource, obj runtime.Object, m metav1.Object) error {
	nameFn := validation.NameIsDNSSubdomain
	if res.Rules.NameValidation != nil {
		nameFn = res.Rules.NameValidation
	}
	errs := validation.ValidateObjectMetaAccessor(m, res.Namespaced, validation.ValidateNameFunc(nameFn), field.NewPath("metadata"))
	if res.Rules.Validate != nil {
		errs = append(errs, res.Rules.Validate(obj)...)
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(res.GVK().GroupKind(), m.GetName(), errs)
	}
	return nil
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// admitCustomResource refuses new custom resources while their CRD is
// being deleted, as Kubernetes does.
func (s *Server) admitCustomResource(ctx context.Context, res *registry.Resource, obj runtime.Object) error {
	if _, custom := obj.(*unstructured.Unstructured); !custom {
		return nil
	}
	crdRes, ok := s.Lookup(crdGVR)
	if !ok {
		return nil
	}
	crd, err := s.store.GetCached(ctx, s.key(crdRes, "", res.GVR.Resource+"."+res.GVR.Group))
	if err != nil {
		return nil // not stored: the CRD is gone and the resource about to be unserved
	}
	if m, err := meta.Accessor(crd); err == nil && m.GetDeletionTimestamp() != nil {
		return apierrors.NewMethodNotSupported(res.GVR.GroupResource(), "create not allowed while custom resource definition is terminating")
	}
	return nil
}

// admitNamespace refuses writes into a namespace that does not exist or is
// being deleted, as the NamespaceLifecycle admission plugin does.
func (s *Server) admitNamespace(ctx context.Context, gr schema.GroupResource, namespace, name string) error {
	if namespace == "" {
		return apierrors.NewBadRequest("namespace is required for a namespaced resource")
	}
	// The watch cache answers almost always; a namespace created a moment
	// ago may not be there yet, so a miss is checked in etcd before failing.
	obj, err := s.store.GetCached(ctx, s.namespaceKey(namespace))
	if err != nil {
		obj, err = s.store.Get(ctx, s.namespaceKey(namespace))
	}
	if err != nil {
		if apierrors.IsNotFound(storageError(err, nsGR, namespace)) {
			return apierrors.NewNotFound(nsGR, namespace)
		}
		return storageError(err, nsGR, namespace)
	}
	if ns, ok := obj.(*corev1.Namespace); ok && (ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating) {
		err := apierrors.NewForbidden(gr, name, fmt.Errorf("unable to create new content in namespace %s because it is being terminated", namespace))
		err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
			Type: corev1.NamespaceTerminatingCause, Message: fmt.Sprintf("namespace %s is being terminated", namespace), Field: "metadata.namespace",
		})
		return err
	}
	return nil
}
