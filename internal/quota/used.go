package quota

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Inventory is what a namespace holds, as far as quota is concerned.
type Inventory struct {
	Pods     []*corev1.Pod
	Services []*corev1.Service
	PVCs     []*corev1.PersistentVolumeClaim
	// Counts holds object counts by "resource.group" (plain "resource" for core).
	Counts map[string]int
}

const storageClassSuffix = ".storageclass.storage.k8s.io/"

// Used computes status.used for every resource named in hard. Scoped
// quotas only see pods in their scopes; anything else counts zero for them.
func Used(hard corev1.ResourceList, reqs []corev1.ScopedResourceSelectorRequirement, inv Inventory, now time.Time) corev1.ResourceList {
	used := corev1.ResourceList{}
	// "pods" and compute resources count live pods; count/pods, like every
	// object count, counts what is stored, finished pods included.
	var pods, stored []*corev1.Pod
	for _, p := range inv.Pods {
		if !PodMatches(p, reqs) {
			continue
		}
		stored = append(stored, p)
		if PodCounts(p, now) {
			pods = append(pods, p)
		}
	}
	for name := range hard {
		if name == "count/pods" {
			used[name] = normalize(*resource.NewQuantity(int64(len(stored)), resource.DecimalSI), hard[name])
			continue
		}
		q := resource.NewQuantity(0, resource.DecimalSI)
		if len(reqs) > 0 {
			for _, p := range pods {
				if u, ok := podUsage(p, name); ok {
					q.Add(u)
				}
			}
			used[name] = normalize(*q, hard[name])
			continue
		}
		switch {
		case isServiceResource(name):
			q = serviceUsage(inv.Services, name)
		case isClaimResource(name):
			q = claimUsage(inv.PVCs, name)
		default:
			if n, ok := countUsage(inv.Counts, name); ok {
				q = resource.NewQuantity(int64(n), resource.DecimalSI)
				break
			}
			for _, p := range pods {
				if u, ok := podUsage(p, name); ok {
					q.Add(u)
				}
			}
		}
		used[name] = normalize(*q, hard[name])
	}
	return used
}

// normalize gives a sum the format of its hard limit ("1Gi" not
// "1073741824"), as people read them side by side.
func normalize(q, hard resource.Quantity) resource.Quantity {
	if q.Format != hard.Format {
		q = *resource.NewMilliQuantity(q.MilliValue(), hard.Format)
	}
	return q
}

// countUsage resolves object-count names: legacy ("configmaps") and
// count/<resource>[.<group>].
func countUsage(counts map[string]int, name corev1.ResourceName) (int, bool) {
	key := strings.TrimPrefix(string(name), "count/")
	if key == string(corev1.ResourcePods) {
		return 0, false
	}
	n, ok := counts[key]
	return n, ok
}

func isServiceResource(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourceServices, "count/services", corev1.ResourceServicesLoadBalancers, corev1.ResourceServicesNodePorts:
		return true
	}
	return false
}

func serviceUsage(svcs []*corev1.Service, name corev1.ResourceName) *resource.Quantity {
	var n int64
	for _, s := range svcs {
		switch name {
		case corev1.ResourceServices, "count/services":
			n++
		case corev1.ResourceServicesLoadBalancers:
			if s.Spec.Type == corev1.ServiceTypeLoadBalancer {
				n++
			}
		case corev1.ResourceServicesNodePorts:
			switch {
			case s.Spec.Type == corev1.ServiceTypeNodePort:
				n += int64(len(s.Spec.Ports))
			case s.Spec.Type == corev1.ServiceTypeLoadBalancer &&
				(s.Spec.AllocateLoadBalancerNodePorts == nil || *s.Spec.AllocateLoadBalancerNodePorts):
				n += int64(len(s.Spec.Ports))
			}
		}
	}
	return resource.NewQuantity(n, resource.DecimalSI)
}

func isClaimResource(name corev1.ResourceName) bool {
	return name == corev1.ResourcePersistentVolumeClaims || name == "count/persistentvolumeclaims" ||
		name == corev1.ResourceRequestsStorage || strings.Contains(string(name), storageClassSuffix)
}

// claimUsage counts claims and their requested storage, in total or per
// storage class (<class>.storageclass.storage.k8s.io/requests.storage).
func claimUsage(pvcs []*corev1.PersistentVolumeClaim, name corev1.ResourceName) *resource.Quantity {
	class, what := "", string(name)
	if i := strings.Index(what, storageClassSuffix); i >= 0 {
		class, what = what[:i], what[i+len(storageClassSuffix):]
	}
	q := resource.NewQuantity(0, resource.BinarySI)
	for _, c := range pvcs {
		if class != "" && (c.Spec.StorageClassName == nil || *c.Spec.StorageClassName != class) {
			continue
		}
		if what == string(corev1.ResourceRequestsStorage) {
			q.Add(claimSize(c))
		} else {
			q.Add(*resource.NewQuantity(1, resource.DecimalSI))
		}
	}
	return q
}

// claimSize is the larger of what the claim asks and what expansion has
// already allocated, so shrinking the request cannot free quota early.
func claimSize(c *corev1.PersistentVolumeClaim) resource.Quantity {
	size := c.Spec.Resources.Requests[corev1.ResourceStorage]
	if a, ok := c.Status.AllocatedResources[corev1.ResourceStorage]; ok && a.Cmp(size) > 0 {
		size = a
	}
	return size
}
