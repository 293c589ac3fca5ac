package localpath

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// sync provisions and binds the claim named by key, or reclaims our
// volumes of a claim that is gone.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pvc, err := c.claims.PersistentVolumeClaims(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return c.reclaim(ctx, ns, name, "")
	}
	if err != nil {
		return err
	}
	if pvc.DeletionTimestamp != nil {
		return nil
	}
	// A volume of ours bound to an earlier claim of the same name is
	// released even while a new claim exists.
	if err := c.reclaim(ctx, ns, name, pvc.UID); err != nil {
		return err
	}
	class, err := c.class(pvc)
	if err != nil || class == nil || class.Provisioner != ProvisionerName {
		return err
	}
	if pvc.Spec.VolumeName != "" {
		return c.finishBinding(ctx, pvc)
	}
	node := pvc.Annotations[selectedNodeAnnotation]
	if node == "" {
		return c.selectNode(ctx, pvc, class)
	}
	pv, err := c.volumes.Get(volumeName(pvc))
	if apierrors.IsNotFound(err) {
		pv, err = c.client.CoreV1().PersistentVolumes().Create(ctx, newVolume(pvc, class, node, c.baseDir), metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("provision volume for claim %s: %w", key, err)
		}
		if err == nil {
			c.recorder.Event(pvc, corev1.EventTypeNormal, "ProvisioningSucceeded", "Successfully provisioned volume "+pv.Name)
		} else if pv, err = c.client.CoreV1().PersistentVolumes().Get(ctx, volumeName(pvc), metav1.GetOptions{}); err != nil {
			return fmt.Errorf("provision volume for claim %s: %w", key, err)
		}
	} else if err != nil {
		return err
	}
	if err := c.markVolumeBound(ctx, pv); err != nil {
		return err
	}
	pvc = pvc.DeepCopy()
	pvc.Spec.VolumeName = pv.Name
	setAnnotations(&pvc.ObjectMeta, map[string]string{
		bindCompletedAnn: "yes", boundByControllerAnn: "yes",
		storageProvisionerAnn: ProvisionerName, betaProvisionerAnn: ProvisionerName,
	})
	pvc, err = c.client.CoreV1().PersistentVolumeClaims(ns).Update(ctx, pvc, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("bind claim %s to %s: %w", key, pv.Name, err)
	}
	return c.markClaimBound(ctx, pvc, pv)
}

// class resolves the claim's StorageClass; nil when it has none or its
// class does not exist (yet: the StorageClass event does not requeue, so
// such claims wait for their next change).
func (c *Controller) class(pvc *corev1.PersistentVolumeClaim) (*storagev1.StorageClass, error) {
	name := claimClass(pvc)
	if name == nil {
		all, err := c.classes.List(labels.Everything())
		if err != nil {
			return nil, err
		}
		return defaultClass(all), nil
	}
	if *name == "" {
		return nil, nil
	}
	sc, err := c.classes.Get(*name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return sc, err
}

// selectNode stands in for the scheduler's volume binding, which Bosun's
// scheduler does not do: the node of the first scheduled pod using a
// WaitForFirstConsumer claim becomes the claim's selected node.
func (c *Controller) selectNode(ctx context.Context, pvc *corev1.PersistentVolumeClaim, class *storagev1.StorageClass) error {
	if class.VolumeBindingMode == nil || *class.VolumeBindingMode != storagev1.VolumeBindingWaitForFirstConsumer {
		// Immediate binding needs a node before any pod exists; a
		// node-local provisioner cannot choose one, and retrying will not
		// change that.
		c.recorder.Event(pvc, corev1.EventTypeWarning, "ProvisioningFailed",
			fmt.Sprintf("storageclass %q must use volumeBindingMode WaitForFirstConsumer for node-local volumes", class.Name))
		return nil
	}
	pods, err := c.pods.Pods(pvc.Namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	node := ""
	for _, p := range pods {
		if p.Spec.NodeName == "" || p.DeletionTimestamp != nil || (node != "" && p.Spec.NodeName > node) {
			continue
		}
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == pvc.Name {
				node = p.Spec.NodeName
			}
		}
	}
	if node == "" {
		return nil
	}
	pvc = pvc.DeepCopy()
	setAnnotations(&pvc.ObjectMeta, map[string]string{selectedNodeAnnotation: node})
	if _, err := c.client.CoreV1().PersistentVolumeClaims(pvc.Namespace).Update(ctx, pvc, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("select node %s for claim %s/%s: %w", node, pvc.Namespace, pvc.Name, err)
	}
	return nil
}

// finishBinding completes a binding a crash or conflict interrupted after
// the claim got its volume name.
func (c *Controller) finishBinding(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	pv, err := c.volumes.Get(pvc.Spec.VolumeName)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if pv.Annotations[provisionedByAnn] != ProvisionerName || pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.UID != pvc.UID {
		return nil
	}
	if err := c.markVolumeBound(ctx, pv); err != nil {
		return err
	}
	return c.markClaimBound(ctx, pvc, pv)
}

func (c *Controller) markVolumeBound(ctx context.Context, pv *corev1.PersistentVolume) error {
	if pv.Status.Phase == corev1.VolumeBound {
		return nil
	}
	pv = pv.DeepCopy()
	now := metav1.Now()
	pv.Status.Phase, pv.Status.LastPhaseTransitionTime = corev1.VolumeBound, &now
	if _, err := c.client.CoreV1().PersistentVolumes().UpdateStatus(ctx, pv, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("mark volume %s bound: %w", pv.Name, err)
	}
	return nil
}

func (c *Controller) markClaimBound(ctx context.Context, pvc *corev1.PersistentVolumeClaim, pv *corev1.PersistentVolume) error {
	if pvc.Status.Phase == corev1.ClaimBound {
		return nil
	}
	pvc = pvc.DeepCopy()
	pvc.Status.Phase = corev1.ClaimBound
	pvc.Status.AccessModes = pv.Spec.AccessModes
	pvc.Status.Capacity = pv.Spec.Capacity
	if _, err := c.client.CoreV1().PersistentVolumeClaims(pvc.Namespace).UpdateStatus(ctx, pvc, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("mark claim %s/%s bound: %w", pvc.Namespace, pvc.Name, err)
	}
	return nil
}

// reclaim applies the reclaim policy to our volumes bound to claim ns/name
// other than the one with UID keep: Delete deletes the volume (the node's
// agent then removes its directory), Retain marks it Released.
func (c *Controller) reclaim(ctx context.Context, ns, name string, keep types.UID) error {
	all, err := c.volumes.List(labels.Everything())
	if err != nil {
		return err
	}
	for _, pv := range all {
		ref := pv.Spec.ClaimRef
		if pv.Annotations[provisionedByAnn] != ProvisionerName || ref == nil || ref.Namespace != ns || ref.Name != name ||
			ref.UID == keep || pv.DeletionTimestamp != nil {
			continue
		}
		if pv.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete {
			err := c.client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pv.UID}})
			if err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("delete released volume %s: %w", pv.Name, err)
			}
			continue
		}
		if pv.Status.Phase != corev1.VolumeReleased {
			pv = pv.DeepCopy()
			now := metav1.Now()
			pv.Status.Phase, pv.Status.LastPhaseTransitionTime = corev1.VolumeReleased, &now
			if _, err := c.client.CoreV1().PersistentVolumes().UpdateStatus(ctx, pv, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("release volume %s: %w", pv.Name, err)
			}
		}
	}
	return nil
}

func setAnnotations(m *metav1.ObjectMeta, add map[string]string) {
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	for k, v := range add {
		m.Annotations[k] = v
	}
}
