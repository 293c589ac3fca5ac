package statefulset

import (
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

var controllerKind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

// Pod labels that carry a replica's identity.
const (
	podNameLabel  = appsv1.StatefulSetPodNameLabel
	podIndexLabel = appsv1.PodIndexLabel
	revisionLabel = appsv1.ControllerRevisionHashLabelKey
)

func podName(set *appsv1.StatefulSet, ord int) string {
	return set.Name + "-" + strconv.Itoa(ord)
}

func claimName(set *appsv1.StatefulSet, claim string, ord int) string {
	return claim + "-" + podName(set, ord)
}

// newPod builds the pod of an ordinal from template, labelled with its
// identity and revision, with hostname and subdomain for stable DNS and
// one volume per claim template bound to its own claim.
func newPod(set *appsv1.StatefulSet, template *corev1.PodTemplateSpec, ord int, revision string) *corev1.Pod {
	t := template.DeepCopy()
	name := podName(set, ord)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: set.Namespace, Labels: t.Labels, Annotations: t.Annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, controllerKind)},
		},
		Spec: t.Spec,
	}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[podNameLabel] = name
	pod.Labels[podIndexLabel] = strconv.Itoa(ord)
	pod.Labels[revisionLabel] = revision
	pod.Spec.Hostname = name
	pod.Spec.Subdomain = set.Spec.ServiceName
	for _, claim := range set.Spec.VolumeClaimTemplates {
		vol := corev1.Volume{Name: claim.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(set, claim.Name, ord)},
		}}
		replaced := false
		for i := range pod.Spec.Volumes {
			if pod.Spec.Volumes[i].Name == claim.Name {
				pod.Spec.Volumes[i], replaced = vol, true
			}
		}
		if !replaced {
			pod.Spec.Volumes = append(pod.Spec.Volumes, vol)
		}
	}
	return pod
}

// viewOf reads the defaulted fields the planner needs.
func viewOf(set *appsv1.StatefulSet, updateRevision string, now time.Time) view {
	v := view{
		name: set.Name, replicas: int(ptr.Deref(set.Spec.Replicas, 1)),
		parallel:        set.Spec.PodManagementPolicy == appsv1.ParallelPodManagement,
		rolling:         set.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType,
		maxUnavailable:  1,
		updateRevision:  updateRevision,
		minReadySeconds: set.Spec.MinReadySeconds,
		now:             now,
	}
	if set.Spec.Ordinals != nil {
		v.start = int(set.Spec.Ordinals.Start)
	}
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		v.partition = int(ptr.Deref(ru.Partition, 0))
		if ru.MaxUnavailable != nil {
			n, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, v.replicas, true)
			if err == nil {
				v.maxUnavailable = max(n, 1)
			}
		}
	}
	return v
}
