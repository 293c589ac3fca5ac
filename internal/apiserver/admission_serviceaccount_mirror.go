package apiserver

import (
	"errors"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// validateMirrorPodCredentials refuses mirror pods that use credentials:
// a static pod comes from a node's disk, and the node must not gain access
// to accounts or secrets by writing a manifest.
func validateMirrorPodCredentials(pod *corev1.Pod) error {
	if pod.Spec.ServiceAccountName != "" {
		return errors.New("a mirror pod may not reference service accounts")
	}
	if podReferencesSecrets(pod) {
		return errors.New("a mirror pod may not reference secrets")
	}
	for _, v := range pod.Spec.Volumes {
		if v.Projected == nil {
			continue
		}
		for _, src := range v.Projected.Sources {
			if src.ServiceAccountToken != nil {
				return errors.New("a mirror pod may not use ServiceAccountToken volume projections")
			}
			if src.ClusterTrustBundle != nil {
				return errors.New("a mirror pod may not use ClusterTrustBundle projected volumes")
			}
		}
	}
	return nil
}

// podReferencesSecrets reports whether anything in the pod names a Secret:
// pull secrets, environment, or a volume source carrying a secret ref.
func podReferencesSecrets(pod *corev1.Pod) bool {
	if len(pod.Spec.ImagePullSecrets) > 0 {
		return true
	}
	for _, c := range allContainers(pod) {
		for _, from := range c.EnvFrom {
			if from.SecretRef != nil {
				return true
			}
		}
		for _, env := range c.Env {
			if env.ValueFrom != nil && env.ValueFrom.SecretKeyRef != nil {
				return true
			}
		}
	}
	for _, v := range pod.Spec.Volumes {
		if volumeReferencesSecret(v.VolumeSource) {
			return true
		}
	}
	return false
}

func volumeReferencesSecret(v corev1.VolumeSource) bool {
	switch {
	case v.Secret != nil,
		v.AzureFile != nil,
		v.CephFS != nil && v.CephFS.SecretRef != nil,
		v.Cinder != nil && v.Cinder.SecretRef != nil,
		v.FlexVolume != nil && v.FlexVolume.SecretRef != nil,
		v.RBD != nil && v.RBD.SecretRef != nil,
		v.ISCSI != nil && v.ISCSI.SecretRef != nil,
		v.ScaleIO != nil && v.ScaleIO.SecretRef != nil,
		v.StorageOS != nil && v.StorageOS.SecretRef != nil,
		v.CSI != nil && v.CSI.NodePublishSecretRef != nil:
		return true
	case v.Projected != nil:
		for _, src := range v.Projected.Sources {
			if src.Secret != nil {
				return true
			}
		}
	}
	return false
}

// allContainers lists init, app and ephemeral containers alike.
func allContainers(pod *corev1.Pod) []corev1.Container {
	out := append(slices.Clone(pod.Spec.InitContainers), pod.Spec.Containers...)
	for _, e := range pod.Spec.EphemeralContainers {
		out = append(out, corev1.Container(e.EphemeralContainerCommon))
	}
	return out
}
