package quota

import (
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var podsGR = schema.GroupResource{Resource: "pods"}

// CountKey names a kind in Inventory.Counts: "resource.group", or the bare
// resource for the core group.
func CountKey(gr schema.GroupResource) string {
	if gr.Group == "" {
		return gr.Resource
	}
	return gr.Resource + "." + gr.Group
}

// legacyCounts are the core kinds also counted under their bare names
// ("configmaps" as well as "count/configmaps").
var legacyCounts = map[string]bool{"configmaps": true, "secrets": true, "replicationcontrollers": true, "resourcequotas": true}

// Matching lists the names in hard that objects of kind gr are charged
// under, sorted. A quota naming none of them does not apply to the kind.
func Matching(gr schema.GroupResource, hard corev1.ResourceList) []corev1.ResourceName {
	var out []corev1.ResourceName
	for name := range hard {
		if charges(gr, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func charges(gr schema.GroupResource, name corev1.ResourceName) bool {
	switch {
	case gr == podsGR:
		_, ok := podUsage(&corev1.Pod{}, name)
		return ok
	case gr == schema.GroupResource{Resource: "services"}:
		return isServiceResource(name)
	case gr == schema.GroupResource{Resource: "persistentvolumeclaims"}:
		return isClaimResource(name)
	}
	key := CountKey(gr)
	return string(name) == "count/"+key || (legacyCounts[key] && string(name) == key)
}

// Charge is what one object of kind gr adds to a quota's usage, by the
// same rules Used counts a namespace with; zero entries are left out.
func Charge(gr schema.GroupResource, obj runtime.Object, hard corev1.ResourceList, reqs []corev1.ScopedResourceSelectorRequirement, now time.Time) corev1.ResourceList {
	inv := Inventory{Counts: map[string]int{}}
	switch o := obj.(type) {
	case *corev1.Pod:
		inv.Pods = []*corev1.Pod{o}
	case *corev1.Service:
		inv.Services = []*corev1.Service{o}
	case *corev1.PersistentVolumeClaim:
		inv.PVCs = []*corev1.PersistentVolumeClaim{o}
	default:
		inv.Counts[CountKey(gr)] = 1
	}
	matching := corev1.ResourceList{}
	for _, name := range Matching(gr, hard) {
		matching[name] = hard[name]
	}
	return withoutZeros(Used(matching, reqs, inv, now))
}

// Delta is what an update adds: next minus prev, never below zero, as an
// update that frees quota leaves the release to the controller.
func Delta(next, prev corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for name, q := range next {
		q = q.DeepCopy()
		if p, ok := prev[name]; ok {
			q.Sub(p)
		}
		if q.Sign() > 0 {
			out[name] = q
		}
	}
	return out
}

func withoutZeros(l corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for name, q := range l {
		if !q.IsZero() {
			out[name] = q
		}
	}
	return out
}

// Add charges a quota: it returns used plus the part of charge that hard
// limits, and the limited names that would then exceed hard, sorted.
func Add(used, charge, hard corev1.ResourceList) (corev1.ResourceList, []corev1.ResourceName) {
	out := used.DeepCopy()
	if out == nil {
		out = corev1.ResourceList{}
	}
	var exceeded []corev1.ResourceName
	for name, q := range charge {
		limit, ok := hard[name]
		if !ok {
			continue
		}
		sum := out[name].DeepCopy()
		sum.Add(q)
		out[name] = sum
		if sum.Cmp(limit) > 0 {
			exceeded = append(exceeded, name)
		}
	}
	slices.Sort(exceeded)
	return out, exceeded
}

// Format prints the named entries of l as Kubernetes' quota messages do:
// "name=quantity" sorted by name, comma separated.
func Format(l corev1.ResourceList, names []corev1.ResourceName) string {
	parts := make([]string, 0, len(names))
	for _, name := range names {
		q, ok := l[name]
		if !ok {
			continue
		}
		parts = append(parts, string(name)+"="+q.String())
	}
	return strings.Join(parts, ",")
}
