package localpath

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// ClassName is the default StorageClass's name.
	ClassName = "local-path"
	// ProvisionerName is the StorageClass provisioner this controller serves.
	ProvisionerName = "bosun.dev/local-path"
	// CleanupFinalizer holds a deleted volume until its node's agent has
	// removed the directory.
	CleanupFinalizer = "bosun.dev/local-path-cleanup"
	// NodeAnnotation names the node a volume's directory lives on.
	NodeAnnotation = "bosun.dev/local-path-node"
	// DefaultBaseDir is where volume directories go on nodes.
	DefaultBaseDir = "/var/lib/bosun/storage"

	defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"
	betaClassAnnotation    = "volume.beta.kubernetes.io/storage-class"
	selectedNodeAnnotation = "volume.kubernetes.io/selected-node"
	bindCompletedAnn       = "pv.kubernetes.io/bind-completed"
	provisionedByAnn       = "pv.kubernetes.io/provisioned-by"
	boundByControllerAnn   = "pv.kubernetes.io/bound-by-controller"
	storageProvisionerAnn  = "volume.kubernetes.io/storage-provisioner"
	betaProvisionerAnn     = "volume.beta.kubernetes.io/storage-provisioner"
)

// DefaultStorageClass is the "local-path" StorageClass Bosun creates at
// bootstrap, marked as the cluster default.
func DefaultStorageClass() *storagev1.StorageClass {
	wait := storagev1.VolumeBindingWaitForFirstConsumer
	reclaim := corev1.PersistentVolumeReclaimDelete
	return &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        ClassName,
			Annotations: map[string]string{defaultClassAnnotation: "true"},
		},
		Provisioner:       ProvisionerName,
		ReclaimPolicy:     &reclaim,
		VolumeBindingMode: &wait,
	}
}
