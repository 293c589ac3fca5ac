package disruption

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// expectedScale sums the desired replicas of the controllers owning the
// pods, each counted once; a ReplicaSet owned by a Deployment counts as
// the Deployment. Every pod must have a known controller.
func (c *Controller) expectedScale(pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod) (int32, error) {
	scales := map[types.UID]int32{}
	for _, pod := range pods {
		ref := metav1.GetControllerOf(pod)
		if ref == nil {
			err := fmt.Errorf("found no controller ref for pod %q", pod.Name)
			c.recorder.Event(pdb, corev1.EventTypeWarning, "NoControllerRef", err.Error())
			return 0, err
		}
		if _, ok := scales[ref.UID]; ok {
			continue
		}
		uid, n, ok := c.controllerScale(pod.Namespace, ref)
		if !ok {
			err := fmt.Errorf("found no controllers for pod %q", pod.Name)
			c.recorder.Event(pdb, corev1.EventTypeWarning, "NoControllers", err.Error())
			return 0, err
		}
		scales[ref.UID] = 0
		scales[uid] = n
	}
	var total int32
	for _, n := range scales {
		total += n
	}
	return total, nil
}

// controllerScale finds the controller named by ref and returns the UID
// whose replicas count and those replicas.
func (c *Controller) controllerScale(ns string, ref *metav1.OwnerReference) (types.UID, int32, bool) {
	switch {
	case ref.Kind == "ReplicaSet" && groupOf(ref) == "apps":
		rs, err := c.replicaSets.ReplicaSets(ns).Get(ref.Name)
		if err != nil || rs.UID != ref.UID {
			return "", 0, false
		}
		if dref := metav1.GetControllerOf(rs); dref != nil && dref.Kind == "Deployment" && groupOf(dref) == "apps" {
			d, err := c.deployments.Deployments(ns).Get(dref.Name)
			if err != nil || d.UID != dref.UID {
				return "", 0, false
			}
			return d.UID, replicas(d.Spec.Replicas), true
		}
		return rs.UID, replicas(rs.Spec.Replicas), true
	case ref.Kind == "ReplicationController" && groupOf(ref) == "":
		rc, err := c.rcs.ReplicationControllers(ns).Get(ref.Name)
		if err != nil || rc.UID != ref.UID {
			return "", 0, false
		}
		return rc.UID, replicas(rc.Spec.Replicas), true
	case ref.Kind == "StatefulSet" && groupOf(ref) == "apps":
		ss, err := c.statefulSets.StatefulSets(ns).Get(ref.Name)
		if err != nil || ss.UID != ref.UID {
			return "", 0, false
		}
		return ss.UID, replicas(ss.Spec.Replicas), true
	}
	return "", 0, false
}

func groupOf(ref *metav1.OwnerReference) string {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return ""
	}
	return gv.Group
}

// replicas reads a defaulted replicas field (nil means 1, as the API defaults it).
func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}
