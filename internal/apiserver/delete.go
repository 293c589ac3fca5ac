package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
	"github.com/bosun-dev/bosun/internal/registry"
)

// parseDeleteOptions reads DeleteOptions from the body (kubectl sends one)
// or the query.
func (s *Server) parseDeleteOptions(r *http.Request) (*metav1.DeleteOptions, error) {
	opts := &metav1.DeleteOptions{}
	body, err := s.readBody(r)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		if err := decodeOptionsBody(body, contentType(r), opts); err != nil {
			return nil, apierrors.NewBadRequest("invalid DeleteOptions: " + err.Error())
		}
	}
	q := r.URL.Query()
	if v := q.Get("gracePeriodSeconds"); v != "" {
		var n int64
		if _, err := fmt.Sscan(v, &n); err != nil {
			return nil, apierrors.NewBadRequest("gracePeriodSeconds must be an integer")
		}
		opts.GracePeriodSeconds = &n
	}
	if v := q.Get("propagationPolicy"); v != "" {
		p := metav1.DeletionPropagation(v)
		opts.PropagationPolicy = &p
	}
	if v := q.Get("orphanDependents"); v != "" {
		b := v == "true"
		opts.OrphanDependents = &b
	}
	opts.DryRun = append(opts.DryRun, q["dryRun"]...)
	if errs := metavalidation.ValidateDeleteOptions(opts); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "DeleteOptions"}, "", errs)
	}
	return opts, nil
}

func (s *Server) serveDelete(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource) {
	opts, err := s.parseDeleteOptions(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, deleted, err := s.delete(r.Context(), res, info.Namespace, info.Name, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if deleted && !returnsDeletedObject(res) {
		m, _ := meta.Accessor(out)
		s.writeObject(w, r, http.StatusOK, &metav1.Status{
			TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
			Status:   metav1.StatusSuccess,
			Details:  &metav1.StatusDetails{Name: info.Name, Group: res.GVR.Group, Kind: res.GVR.Resource, UID: m.GetUID()},
		})
		return
	}
	s.writeObject(w, r, http.StatusOK, out)
}

// returnsDeletedObject: Kubernetes answers a delete with the object for
// these resources and with a Status for the rest.
func returnsDeletedObject(res *registry.Resource) bool {
	return res.GVR.Group == "" && (res.GVR.Resource == "pods" || res.GVR.Resource == "namespaces" || res.GVR.Resource == "services")
}

// delete starts or finishes deletion. It returns the object and whether it
// is gone from storage (false while finalizers or a grace period hold it).
func (s *Server) delete(ctx context.Context, res *registry.Resource, namespace, name string, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	gr := res.GVR.GroupResource()
	key := s.key(res, namespace, name)
	dryRun := len(opts.DryRun) > 0
	stored, err := s.store.Get(ctx, key)
	if err != nil {
		return nil, false, storageError(err, gr, name)
	}
	cur, err := s.fromStorage(res, stored)
	if err != nil {
		return nil, false, err
	}
	if err := checkPreconditions(gr, name, cur, opts.Preconditions); err != nil {
		return nil, false, err
	}
	if gr == nsGR && immortalNamespaces[name] {
		// As the NamespaceLifecycle admission plugin (dry runs included).
		return nil, false, apierrors.NewForbidden(gr, name, errors.New("this namespace may not be deleted"))
	}
	m, _ := meta.Accessor(cur)
	grace, graceful := gracefulDeletion(cur, opts)
	gcChange, gcWant := gcFinalizers(m, opts)
	if len(m.GetFinalizers()) > 0 || graceful || holdsForFinalization(cur) || gcChange {
		// Mark deletion; finalizers' owners (the garbage collector for
		// orphan and foregroundDeletion, the node agent for pods) finish it.
		// Marking again only shortens a pending grace period, but may
		// switch the propagation policy.
		if dryRun {
			out := cur.DeepCopyObject()
			om, _ := meta.Accessor(out)
			om.SetFinalizers(gcWant)
			return out, len(gcWant) == 0 && !graceful && !holdsForFinalization(cur), nil
		}
		out, err := s.update(ctx, res, namespace, name, updateOptions{system: true},
			func(c runtime.Object) (runtime.Object, error) {
				cm, _ := meta.Accessor(c)
				if changed, fins := gcFinalizers(cm, opts); changed {
					cm.SetFinalizers(fins)
				}
				if cm.GetDeletionTimestamp() == nil || (cm.GetDeletionGracePeriodSeconds() != nil && grace < *cm.GetDeletionGracePeriodSeconds()) {
					ts := metav1.NewTime(time.Now().Add(time.Duration(grace) * time.Second).Truncate(time.Second))
					cm.SetDeletionTimestamp(&ts)
					cm.SetDeletionGracePeriodSeconds(&grace)
				}
				if ns, ok := c.(*corev1.Namespace); ok {
					ns.Status.Phase = corev1.NamespaceTerminating
				}
				return c, nil
			})
		if err != nil {
			return nil, false, err
		}
		om, _ := meta.Accessor(out)
		if om.GetDeletionTimestamp() != nil && len(om.GetFinalizers()) == 0 && !holdsForFinalization(out) && !graceful {
			// update removes such an object itself, unless a pod's earlier
			// grace period still holds it.
			if !isGraceful(out) {
				return out, true, nil
			}
			_, err := s.finishDeletion(ctx, res, key, out)
			return out, err == nil, err
		}
		return out, false, nil
	}
	if dryRun {
		return cur, true, nil
	}
	rv := m.GetResourceVersion()
	deleted, err := s.store.Delete(ctx, key, func(c runtime.Object) error {
		cm, _ := meta.Accessor(c)
		if cm.GetResourceVersion() != rv {
			return apierrors.NewConflict(gr, name, fmt.Errorf("%s", conflictMessage))
		}
		return nil
	})
	if err != nil {
		return nil, false, storageError(err, gr, name)
	}
	s.released(res, deleted)
	out, err := s.fromStorage(res, deleted)
	return out, true, err
}

// immortalNamespaces are never deleted, as in Kubernetes.
var immortalNamespaces = map[string]bool{metav1.NamespaceDefault: true, metav1.NamespaceSystem: true, metav1.NamespacePublic: true}

// isGraceful: a pod marked for deletion with a grace period stays until its
// node agent confirms it stopped (by deleting with grace period 0).
func isGraceful(obj runtime.Object) bool {
	m, err := meta.Accessor(obj)
	if err != nil {
		return false
	}
	_, pod := obj.(*corev1.Pod)
	g := m.GetDeletionGracePeriodSeconds()
	return pod && g != nil && *g > 0
}

// holdsForFinalization: a namespace waits for its spec.finalizers (the
// namespace controller empties its content first).
func holdsForFinalization(obj runtime.Object) bool {
	ns, ok := obj.(*corev1.Namespace)
	return ok && len(ns.Spec.Finalizers) > 0
}

// gracefulDeletion says whether obj is deleted after a grace period rather
// than at once, and how long: only pods bound to a node that is still
// running them, as in Kubernetes.
func gracefulDeletion(obj runtime.Object, opts *metav1.DeleteOptions) (int64, bool) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return 0, false
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	if opts.GracePeriodSeconds != nil {
		grace = *opts.GracePeriodSeconds
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed || grace <= 0 {
		return 0, false
	}
	return grace, true
}

func checkPreconditions(gr schema.GroupResource, name string, obj runtime.Object, p *metav1.Preconditions) error {
	if p == nil {
		return nil
	}
	m, _ := meta.Accessor(obj)
	// The capitals are kube-apiserver's wording, which clients match on.
	if p.UID != nil && *p.UID != m.GetUID() {
		//lint:ignore ST1005 Kubernetes' exact message
		return apierrors.NewConflict(gr, name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, m.GetUID()))
	}
	if p.ResourceVersion != nil && *p.ResourceVersion != m.GetResourceVersion() {
		//lint:ignore ST1005 Kubernetes' exact message
		return apierrors.NewConflict(gr, name, fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, m.GetResourceVersion()))
	}
	return nil
}

// released frees what a deleted object held (Service IPs and ports).
func (s *Server) released(res *registry.Resource, obj runtime.Object) {
	if svc, ok := obj.(*corev1.Service); ok && s.cfg.Services != nil {
		s.cfg.Services.Release(svc)
	}
}

func (s *Server) serveDeleteCollection(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource) {
	opts, err := s.parseDeleteOptions(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sel, err := parseSelection(r, res)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, items, _, err := s.list(r.Context(), res, info.Namespace, storage.ListOptions{Predicate: sel.predicate(res)})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.deleteEach(r.Context(), res, items, opts); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, list)
}

// deleteCollectionWorkers is how many deletes of one collection run at once:
// a namespace of 10,000 pods deleted one etcd round trip after another
// would take minutes.
const deleteCollectionWorkers = 16

// deleteEach deletes items concurrently; the first error (other than an
// item already gone) stops the rest and is returned.
func (s *Server) deleteEach(ctx context.Context, res *registry.Resource, items []runtime.Object, opts *metav1.DeleteOptions) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan runtime.Object)
	var wg sync.WaitGroup
	for range min(deleteCollectionWorkers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range next {
				m, _ := meta.Accessor(it)
				if _, _, err := s.delete(ctx, res, m.GetNamespace(), m.GetName(), opts); err != nil && !apierrors.IsNotFound(err) {
					cancel(err)
				}
			}
		}()
	}
feed:
	for _, it := range items {
		select {
		case next <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}
