package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bosun-dev/bosun/internal/podstatus"
	"github.com/bosun-dev/bosun/internal/registry"
)

// evictionRetries bounds how often an eviction starts over when the pod
// changed under it, as kube-apiserver gives up after its backoff steps.
const evictionRetries = 20

// serveEviction is pods/eviction: a delete that PodDisruptionBudgets may
// refuse (429) and that, once allowed, takes one disruption from the budget.
func (s *Server) serveEviction(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource) {
	body, err := s.readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ev := &policyv1.Eviction{}
	if len(body) > 0 {
		if err := decodeOptionsBody(body, contentType(r), ev); err != nil {
			s.writeError(w, r, apierrors.NewBadRequest("Eviction in version \"v1\" cannot be handled as a Eviction: "+err.Error()))
			return
		}
		if ev.Name != info.Name {
			s.writeError(w, r, apierrors.NewBadRequest("name in URL does not match name in Eviction object"))
			return
		}
	}
	opts, err := evictionDeleteOptions(ev, r.URL.Query()["dryRun"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.evict(r.Context(), res, info.Namespace, info.Name, opts); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusCreated, &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusSuccess, Code: http.StatusCreated})
}

// evictionDeleteOptions merges the create request's dryRun into the
// eviction's DeleteOptions; the two may not disagree.
func evictionDeleteOptions(ev *policyv1.Eviction, dryRun []string) (*metav1.DeleteOptions, error) {
	opts := &metav1.DeleteOptions{}
	if ev.DeleteOptions != nil {
		opts = ev.DeleteOptions.DeepCopy()
	}
	switch {
	case len(opts.DryRun) == 0:
		opts.DryRun = dryRun
	case len(dryRun) > 0 && !reflect.DeepEqual(opts.DryRun, dryRun):
		return nil, apierrors.NewBadRequest(fmt.Sprintf("DryRun in DeleteOptions (%v) does not match DryRun in CreateOptions (%v)", opts.DryRun, dryRun))
	}
	if errs := metavalidation.ValidateDeleteOptions(opts); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "DeleteOptions"}, "", errs)
	}
	return opts, nil
}

// evict runs an eviction as kube-apiserver does. Pods that cannot count
// towards a budget (finished, pending, already being deleted) are deleted
// outright. Otherwise the one budget covering the pod must allow a
// disruption, which is taken from its status before the pod is deleted —
// unless the pod is not Ready and the budget lets unhealthy pods go, in
// which case the delete is pinned to the pod version that was judged, so a
// pod turning Ready meanwhile is refused rather than evicted.
func (s *Server) evict(ctx context.Context, res *registry.Resource, ns, name string, opts *metav1.DeleteOptions) error {
	var pod *corev1.Pod
	for attempt := 0; ; attempt++ {
		obj, err := s.get(ctx, res, ns, name)
		if err != nil {
			return err
		}
		pod = obj.(*corev1.Pod)
		if !ignoresBudgets(pod) {
			break
		}
		o := opts
		if enforcesVersion(pod) && !hasVersion(opts) {
			// Pending now, it may start and become Ready before the delete.
			o = withVersion(opts, pod.ResourceVersion)
		}
		err = s.disruptAndDelete(ctx, res, ns, name, o)
		if apierrors.IsConflict(err) && !hasVersion(opts) && attempt < evictionRetries {
			continue
		}
		return err
	}
	pdb, err := s.podBudget(ctx, pod)
	if err != nil || pdb == nil {
		if err == nil {
			err = s.disruptAndDelete(ctx, res, ns, name, opts)
		}
		return err
	}
	if !podstatus.Ready(pod) && unhealthyMayGo(pdb) {
		err := s.disruptAndDelete(ctx, res, ns, name, withVersion(opts, pod.ResourceVersion))
		if apierrors.IsConflict(err) && !hasVersion(opts) {
			// The pod changed since it was judged unhealthy: the client
			// should ask again, as for a budget still being processed.
			return budgetProcessing(pdb.Name)
		}
		return err
	}
	if err := s.takeDisruption(ctx, pdb, pod.Name, len(opts.DryRun) > 0); err != nil {
		return err
	}
	return s.disruptAndDelete(ctx, res, ns, name, opts)
}

// ignoresBudgets: such a pod's disruption already happened or never will.
func ignoresBudgets(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed, corev1.PodPending:
		return true
	}
	return pod.DeletionTimestamp != nil
}

// enforcesVersion: only a finished or deleting pod can be deleted without
// pinning the version judged, as nothing can make it healthy again.
func enforcesVersion(pod *corev1.Pod) bool {
	terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	return !terminal && pod.DeletionTimestamp == nil
}

func hasVersion(opts *metav1.DeleteOptions) bool {
	return opts.Preconditions != nil && opts.Preconditions.ResourceVersion != nil
}

func withVersion(opts *metav1.DeleteOptions, rv string) *metav1.DeleteOptions {
	if hasVersion(opts) {
		return opts // the client's own precondition wins, even if older
	}
	out := opts.DeepCopy()
	if out.Preconditions == nil {
		out.Preconditions = &metav1.Preconditions{}
	}
	out.Preconditions.ResourceVersion = &rv
	return out
}

// disruptAndDelete marks the pod with the DisruptionTarget condition, so
// its owner's controller knows why it went, then deletes it. A dry run
// writes neither.
func (s *Server) disruptAndDelete(ctx context.Context, res *registry.Resource, ns, name string, opts *metav1.DeleteOptions) error {
	if len(opts.DryRun) == 0 {
		out, err := s.update(ctx, res, ns, name, updateOptions{system: true}, func(cur runtime.Object) (runtime.Object, error) {
			pod := cur.(*corev1.Pod)
			if err := checkPreconditions(podsGR, name, pod, opts.Preconditions); err != nil {
				return nil, err
			}
			setDisruptionTarget(pod)
			return pod, nil
		})
		if err != nil {
			return err
		}
		if hasVersion(opts) {
			// The condition is our own write: the precondition now names it.
			m, _ := meta.Accessor(out)
			opts = opts.DeepCopy()
			rv := m.GetResourceVersion()
			opts.Preconditions.ResourceVersion = &rv
		}
	}
	_, _, err := s.delete(ctx, res, ns, name, opts)
	return err
}

// setDisruptionTarget sets the condition Kubernetes adds on eviction,
// keeping its transition time when it was already true.
func setDisruptionTarget(pod *corev1.Pod) {
	c := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
		Reason: "EvictionByEvictionAPI", Message: "Eviction API: evicting", LastTransitionTime: metav1.Now()}
	for i, old := range pod.Status.Conditions {
		if old.Type == c.Type {
			if old.Status == c.Status {
				c.LastTransitionTime = old.LastTransitionTime
			}
			pod.Status.Conditions[i] = c
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, c)
}
