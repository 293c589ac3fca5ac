package apiserver

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
)

var pdbGVR = schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}

// maxDisruptedPods caps status.disruptedPods: past it, evictions the budget
// controller has not yet confirmed are piling up, and more are refused.
const maxDisruptedPods = 2000

const violatesBudget = "Cannot evict pod as it would violate the pod's disruption budget."

// podBudget finds the one PodDisruptionBudget covering pod, nil if none.
// Budgets whose selector is empty or invalid cover nothing here, as in
// kube-apiserver; more than one is a 500 Kubernetes does not resolve.
func (s *Server) podBudget(ctx context.Context, pod *corev1.Pod) (*policyv1.PodDisruptionBudget, error) {
	res, ok := s.Lookup(pdbGVR)
	if !ok {
		return nil, nil
	}
	list, err := s.store.List(ctx, s.prefix(res, pod.Namespace), storage.ListOptions{})
	if err != nil {
		return nil, storageError(err, pdbGVR.GroupResource(), "")
	}
	var found *policyv1.PodDisruptionBudget
	for _, it := range list.Items {
		pdb, ok := it.(*policyv1.PodDisruptionBudget)
		if !ok {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		if found != nil {
			return nil, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusInternalServerError,
				Message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."}}
		}
		found = pdb
	}
	return found, nil
}

// unhealthyMayGo: a not-Ready pod leaves without using up the budget when
// the budget says AlwaysAllow, or (IfHealthyBudget, the default) when the
// application is healthy enough without it.
func unhealthyMayGo(pdb *policyv1.PodDisruptionBudget) bool {
	if p := pdb.Spec.UnhealthyPodEvictionPolicy; p != nil && *p == policyv1.AlwaysAllow {
		return true
	}
	return pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0
}

// takeDisruption checks that the budget allows one more disruption and
// records it: disruptionsAllowed goes down by one and the pod joins
// disruptedPods, so the budget controller does not count it as available
// while it terminates. The check runs again on every write attempt, so two
// evictions racing for the last disruption cannot both get it. A dry run
// checks only.
func (s *Server) takeDisruption(ctx context.Context, pdb *policyv1.PodDisruptionBudget, pod string, dryRun bool) error {
	res, _ := s.Lookup(pdbGVR)
	opts := updateOptions{subresource: "status", writeOptions: writeOptions{dryRun: dryRun, manager: "kube-apiserver"}}
	_, err := s.update(ctx, res, pdb.Namespace, pdb.Name, opts, func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*policyv1.PodDisruptionBudget)
		if err := allowsDisruption(p); err != nil {
			return nil, err
		}
		p.Status.DisruptionsAllowed--
		if p.Status.DisruptionsAllowed == 0 {
			meta.SetStatusCondition(&p.Status.Conditions, metav1.Condition{Type: policyv1.DisruptionAllowedCondition,
				Status: metav1.ConditionFalse, Reason: policyv1.InsufficientPodsReason, ObservedGeneration: p.Status.ObservedGeneration})
		}
		if p.Status.DisruptedPods == nil {
			p.Status.DisruptedPods = map[string]metav1.Time{}
		}
		p.Status.DisruptedPods[pod] = metav1.Now()
		return p, nil
	})
	return err
}

// allowsDisruption is the budget's verdict, with Kubernetes' refusals.
// 429s carry no Retry-After: client-go would otherwise retry inside the
// call, and kubectl drain does its own waiting.
func allowsDisruption(pdb *policyv1.PodDisruptionBudget) error {
	gr := policyv1.Resource("poddisruptionbudget")
	switch {
	case pdb.Status.ObservedGeneration < pdb.Generation:
		return budgetProcessing(pdb.Name)
	case pdb.Status.DisruptionsAllowed < 0:
		return apierrors.NewForbidden(gr, pdb.Name, fmt.Errorf("pdb disruptions allowed is negative"))
	case len(pdb.Status.DisruptedPods) > maxDisruptedPods:
		return apierrors.NewForbidden(gr, pdb.Name, fmt.Errorf("DisruptedPods map too big - too many evictions not confirmed by PDB controller"))
	case pdb.Status.DisruptionsAllowed == 0:
		err := apierrors.NewTooManyRequests(violatesBudget, 0)
		err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{Type: policyv1.DisruptionBudgetCause,
			Message: fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently", pdb.Name, pdb.Status.DesiredHealthy, pdb.Status.CurrentHealthy)})
		return err
	}
	return nil
}

// budgetProcessing: the budget controller has not caught up with the
// budget's spec (or with the pod), so its status cannot be trusted yet.
func budgetProcessing(name string) error {
	err := apierrors.NewTooManyRequests(violatesBudget, 0)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{Type: policyv1.DisruptionBudgetCause,
		Message: fmt.Sprintf("The disruption budget %s is still being processed by the server.", name)})
	return err
}
