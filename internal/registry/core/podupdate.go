package core

import (
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// podUpdatableFields is how Kubernetes words what a pod update may change.
const podUpdatableFields = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

// validatePodUpdate: a pod is immutable once created, save images, a
// shorter deadline, more tolerations and fewer scheduling gates.
func validatePodUpdate(pod, old *corev1.Pod) field.ErrorList {
	errs := validatePod(pod)
	specPath := field.NewPath("spec")
	spec, oldSpec := &pod.Spec, &old.Spec

	if len(spec.Containers) != len(oldSpec.Containers) {
		return append(errs, field.Forbidden(specPath.Child("containers"), "pod updates may not add or remove containers"))
	}
	if len(spec.InitContainers) != len(oldSpec.InitContainers) {
		return append(errs, field.Forbidden(specPath.Child("initContainers"), "pod updates may not add or remove containers"))
	}
	if d := spec.ActiveDeadlineSeconds; d != nil {
		if *d < 0 || *d > math.MaxInt32 {
			return append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), *d, validation.InclusiveRangeError(0, math.MaxInt32)))
		}
		if od := oldSpec.ActiveDeadlineSeconds; od != nil && *od < *d {
			return append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), *d, "must be less than or equal to previous value"))
		}
	} else if oldSpec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), spec.ActiveDeadlineSeconds, "must not update from a positive integer to nil value"))
	}
	errs = append(errs, onlyAddedTolerations(spec.Tolerations, oldSpec.Tolerations, specPath.Child("tolerations"))...)
	errs = append(errs, onlyRemovedSchedulingGates(spec.SchedulingGates, oldSpec.SchedulingGates, specPath.Child("schedulingGates"))...)
	if equality.Semantic.DeepEqual(spec, oldSpec) {
		return errs
	}

	// Put the updatable fields back to their old values; any difference
	// left is a change the pod may not have.
	munged := spec.DeepCopy()
	for i := range munged.Containers {
		munged.Containers[i].Image = oldSpec.Containers[i].Image
	}
	for i := range munged.InitContainers {
		munged.InitContainers[i].Image = oldSpec.InitContainers[i].Image
	}
	munged.ActiveDeadlineSeconds = oldSpec.ActiveDeadlineSeconds
	munged.Tolerations = oldSpec.Tolerations
	munged.SchedulingGates = oldSpec.SchedulingGates
	if g, og := munged.TerminationGracePeriodSeconds, oldSpec.TerminationGracePeriodSeconds; og != nil && *og < 0 && g != nil && *g == 1 {
		munged.TerminationGracePeriodSeconds = og
	}
	if len(oldSpec.SchedulingGates) > 0 {
		// A pod waiting on scheduling gates may still have its placement
		// narrowed (Kubernetes allows additions only; we accept the change).
		munged.NodeSelector = oldSpec.NodeSelector
		munged.Affinity = oldSpec.Affinity
	}
	if !equality.Semantic.DeepEqual(munged, oldSpec) {
		errs = append(errs, field.Forbidden(specPath, "pod updates may not change fields other than "+podUpdatableFields))
	}
	return errs
}

func onlyAddedTolerations(ts, old []corev1.Toleration, fldPath *field.Path) field.ErrorList {
	for _, o := range old {
		found := false
		for _, t := range ts {
			o.TolerationSeconds = t.TolerationSeconds
			if equality.Semantic.DeepEqual(o, t) {
				found = true
				break
			}
		}
		if !found {
			return field.ErrorList{field.Forbidden(fldPath, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return nil
}

func onlyRemovedSchedulingGates(gates, old []corev1.PodSchedulingGate, fldPath *field.Path) field.ErrorList {
	had := map[string]bool{}
	for _, g := range old {
		had[g.Name] = true
	}
	var errs field.ErrorList
	for i, g := range gates {
		if !had[g.Name] {
			errs = append(errs, field.Forbidden(fldPath.Index(i).Child("name"), fmt.Sprintf("only deletion is allowed, but found new scheduling gate '%s'", g.Name)))
		}
	}
	return errs
}

// validatePodStatusUpdate checks what kubelets and the scheduler write.
func validatePodStatusUpdate(pod, old *corev1.Pod) field.ErrorList {
	statusPath := field.NewPath("status")
	errs := apivalidation.ValidateImmutableField(pod.Status.QOSClass, old.Status.QOSClass, statusPath.Child("qosClass"))
	if n := pod.Status.NominatedNodeName; n != "" {
		errs = append(errs, subdomain(n, statusPath.Child("nominatedNodeName"))...)
	}
	errs = append(errs, validatePodIPs(pod, statusPath)...)
	for i, c := range pod.Status.Conditions {
		if c.Type == "" {
			errs = append(errs, field.Required(statusPath.Child("conditions").Index(i).Child("type"), ""))
		}
	}
	return errs
}

func validatePodIPs(pod *corev1.Pod, statusPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	ips := pod.Status.PodIPs
	seen := map[string]bool{}
	for i, ip := range ips {
		p := statusPath.Child("podIPs").Index(i).Child("ip")
		errs = append(errs, validation.IsValidIPForLegacyField(p, ip.IP, true, nil)...)
		if seen[ip.IP] {
			errs = append(errs, field.Duplicate(p, ip.IP))
		}
		seen[ip.IP] = true
	}
	if len(ips) > 2 {
		errs = append(errs, field.TooMany(statusPath.Child("podIPs"), len(ips), 2))
	}
	return errs
}
