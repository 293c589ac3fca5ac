package volumes

import (
	"context"
	"errors"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ErrUnboundClaims is kubelet's message for a pod whose claim has no
// volume yet; the pod worker retries on the next sync.
var ErrUnboundClaims = errors.New("pod has unbound immediate PersistentVolumeClaims")

// claimPath resolves a claim to its bound volume's directory on this
// node, making the directory if it is missing (a freshly provisioned
// local volume has none yet).
func (m *Manager) claimPath(ctx context.Context, ns, name string) (string, error) {
	pvc, err := m.cfg.Client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", fmt.Errorf("persistentvolumeclaim %q not found", name)
	}
	if err != nil {
		return "", fmt.Errorf("get persistentvolumeclaim %q: %w", name, err)
	}
	if pvc.DeletionTimestamp != nil {
		return "", fmt.Errorf("can't start pod because PVC %s/%s is being deleted", ns, name)
	}
	if pvc.Spec.VolumeName == "" || pvc.Status.Phase != corev1.ClaimBound {
		return "", ErrUnboundClaims
	}
	pv, err := m.cfg.Client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", fmt.Errorf("persistentvolume %q not found", pvc.Spec.VolumeName)
	}
	if err != nil {
		return "", fmt.Errorf("get persistentvolume %q: %w", pvc.Spec.VolumeName, err)
	}
	if ref := pv.Spec.ClaimRef; ref == nil || ref.UID != pvc.UID {
		return "", fmt.Errorf("found PV object %q but it has a ClaimRef that is bound to a different PVC", pv.Name)
	}
	return volumePath(pv)
}

// volumePath is the host directory of a node-local volume.
func volumePath(pv *corev1.PersistentVolume) (string, error) {
	var path string
	switch {
	case pv.Spec.HostPath != nil:
		path = pv.Spec.HostPath.Path
		if t := pv.Spec.HostPath.Type; t != nil && *t != corev1.HostPathUnset && *t != corev1.HostPathDirectoryOrCreate {
			if err := checkHostPath(path, t); err != nil {
				return "", fmt.Errorf("MountVolume.SetUp failed for volume %q : %w", pv.Name, err)
			}
			return path, nil
		}
	case pv.Spec.Local != nil:
		path = pv.Spec.Local.Path
	default:
		return "", fmt.Errorf("MountVolume.SetUp failed for volume %q : persistent volume type not supported by bosun (only hostPath and local are)", pv.Name)
	}
	if err := os.MkdirAll(path, 0o777); err != nil {
		return "", fmt.Errorf("MountVolume.SetUp failed for volume %q : create %s: %w", pv.Name, path, err)
	}
	return path, nil
}
