package node

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// nodefsEvictionPercent is kubelet's nodefs.available<10% hard threshold,
// kept off allocatable ephemeral-storage.
const nodefsEvictionPercent = 10

// capacity completes what the host reported with the pods capacity.
func capacity(reported corev1.ResourceList, maxPods int64) corev1.ResourceList {
	out := reported.DeepCopy()
	if out == nil {
		out = corev1.ResourceList{}
	}
	if _, ok := out[corev1.ResourcePods]; !ok {
		out[corev1.ResourcePods] = *resource.NewQuantity(maxPods, resource.DecimalSI)
	}
	return out
}

// allocatable is capacity less the reservations and what the hard eviction
// thresholds keep free, never below zero, as kubelet computes it.
func allocatable(capacity, reserved, evictionHard corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for name, q := range capacity {
		v := q.DeepCopy()
		if r, ok := reserved[name]; ok {
			v.Sub(r)
		}
		if e, ok := evictionHard[name]; ok {
			v.Sub(e)
		} else if name == corev1.ResourceEphemeralStorage {
			v.Sub(*resource.NewQuantity(q.Value()*nodefsEvictionPercent/100, resource.BinarySI))
		}
		if v.Sign() < 0 {
			v = *resource.NewQuantity(0, q.Format)
		}
		out[name] = v
	}
	return out
}
