package apiserver

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
	"github.com/bosun-dev/bosun/internal/quota"
	"github.com/bosun-dev/bosun/internal/registry"
)

var quotaGVR = schema.GroupVersionResource{Version: "v1", Resource: "resourcequotas"}

// chargedOnUpdate are the kinds whose usage can change after creation; any
// other kind is charged once, when it is created.
var chargedOnUpdate = map[schema.GroupResource]bool{
	{Resource: "pods"}: true, {Resource: "services"}: true, {Resource: "persistentvolumeclaims"}: true,
}

// quotaCharge is what one admitted write adds to one quota.
type quotaCharge struct {
	name   string
	amount corev1.ResourceList
}

// admitQuota is the ResourceQuota admission plugin: it charges a created
// object (old nil) or an update's growth to every quota of the namespace
// that covers it, refusing with 403 what would exceed one. The charge is
// written to status.used before the object is stored, so concurrent writes
// cannot both take the last unit; a write that then fails leaves quota
// overcharged until the quota controller recounts, which errs on the safe
// side. Quotas whose status the controller has not filled in yet limit
// nothing, as in Kubernetes.
func (s *Server) admitQuota(ctx context.Context, res *registry.Resource, obj, old runtime.Object, dryRun bool) error {
	gr := res.GVR.GroupResource()
	if !res.Namespaced || (old != nil && !chargedOnUpdate[gr]) {
		return nil
	}
	qres, ok := s.Lookup(quotaGVR)
	if !ok {
		return nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	ns, name := m.GetNamespace(), m.GetName()
	prefix := s.prefix(qres, ns)
	// Most namespaces have no quota: the cache says so without a read.
	if n, err := s.store.Count(ctx, prefix); err != nil || n == 0 {
		return nil
	}
	list, err := s.store.List(ctx, prefix, storage.ListOptions{})
	if err != nil {
		return storageError(err, quotaGVR.GroupResource(), "")
	}
	var quotas []*corev1.ResourceQuota
	for _, it := range list.Items {
		q, ok := it.(*corev1.ResourceQuota)
		if !ok || len(quota.Matching(gr, q.Status.Hard)) == 0 {
			continue
		}
		if pod, isPod := obj.(*corev1.Pod); isPod && !quota.PodMatches(pod, quota.Scopes(q)) {
			continue
		}
		quotas = append(quotas, q)
	}
	// As Kubernetes, every covering quota is checked for the pod's stated
	// requirements and known usage before any is charged.
	for _, q := range quotas {
		names := quota.Matching(gr, q.Status.Hard)
		if pod, isPod := obj.(*corev1.Pod); isPod && old == nil {
			if err := quota.Constraints(pod, names); err != nil {
				return apierrors.NewForbidden(gr, name, fmt.Errorf("failed quota: %s: %w", q.Name, err))
			}
		}
		for _, n := range names {
			if _, ok := q.Status.Used[n]; !ok {
				return apierrors.NewForbidden(gr, name, fmt.Errorf("status unknown for quota: %s, resources: %s", q.Name, joinNames(names)))
			}
		}
	}
	now := time.Now()
	var charges []quotaCharge
	for _, q := range quotas {
		amount := quota.Charge(gr, obj, q.Status.Hard, quota.Scopes(q), now)
		if old != nil {
			amount = quota.Delta(amount, quota.Charge(gr, old, q.Status.Hard, quota.Scopes(q), now))
		}
		if len(amount) == 0 {
			continue
		}
		if _, exceeded := quota.Add(q.Status.Used, amount, q.Status.Hard); len(exceeded) > 0 {
			return exceededQuota(gr, name, q, amount, exceeded)
		}
		charges = append(charges, quotaCharge{name: q.Name, amount: amount})
	}
	if dryRun {
		return nil
	}
	for _, c := range charges {
		if err := s.chargeQuota(ctx, qres, ns, c, gr, name); err != nil {
			return err
		}
	}
	return nil
}

// chargeQuota adds a charge to a quota's status.used. The update re-checks
// against the stored quota on every attempt, so a conflicting write
// (another admission, the controller) is retried on what it wrote.
func (s *Server) chargeQuota(ctx context.Context, qres *registry.Resource, ns string, c quotaCharge, gr schema.GroupResource, name string) error {
	opts := updateOptions{subresource: "status", writeOptions: writeOptions{manager: "kube-apiserver"}}
	_, err := s.update(ctx, qres, ns, c.name, opts, func(cur runtime.Object) (runtime.Object, error) {
		q := cur.(*corev1.ResourceQuota)
		used, exceeded := quota.Add(q.Status.Used, c.amount, q.Status.Hard)
		if len(exceeded) > 0 {
			return nil, exceededQuota(gr, name, q, c.amount, exceeded)
		}
		q.Status.Used = used
		return q, nil
	})
	if apierrors.IsNotFound(err) {
		return nil // the quota was deleted meanwhile: nothing left to charge
	}
	return err
}

// exceededQuota is Kubernetes' refusal, naming only the exceeded resources:
// `pods "x" is forbidden: exceeded quota: q, requested: pods=1, used:
// pods=2, limited: pods=2`.
func exceededQuota(gr schema.GroupResource, name string, q *corev1.ResourceQuota, amount corev1.ResourceList, exceeded []corev1.ResourceName) error {
	return apierrors.NewForbidden(gr, name, fmt.Errorf("exceeded quota: %s, requested: %s, used: %s, limited: %s",
		q.Name, quota.Format(amount, exceeded), quota.Format(q.Status.Used, exceeded), quota.Format(q.Status.Hard, exceeded)))
}

func joinNames(names []corev1.ResourceName) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = string(n)
	}
	return strings.Join(out, ",")
}
