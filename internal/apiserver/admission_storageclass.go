package apiserver

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
)

const (
	defaultStorageClassAdmissionPlugin = "DefaultStorageClass"
	isDefaultClassAnnotation           = "storageclass.kubernetes.io/is-default-class"
	betaIsDefaultClassAnnotation       = "storageclass.beta.kubernetes.io/is-default-class"
	// betaClaimClassAnnotation still names a claim's class when set, so
	// such a claim counts as having one.
	betaClaimClassAnnotation = "volume.beta.kubernetes.io/storage-class"
)

var storageClassGVR = schema.GroupVersionResource{Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses"}

// admitDefaultStorageClass is the DefaultStorageClass admission plugin: a
// claim created without a class gets the cluster's default one. An explicit
// "" means "no class" and stays; no default class leaves the claim as it is.
func (s *Server) admitDefaultStorageClass(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	if slices.Contains(s.cfg.DisableAdmissionPlugins, defaultStorageClassAdmissionPlugin) {
		return nil
	}
	if pvc.Spec.StorageClassName != nil {
		return nil
	}
	if _, ok := pvc.Annotations[betaClaimClassAnnotation]; ok {
		return nil
	}
	res, ok := s.Lookup(storageClassGVR)
	if !ok {
		return nil
	}
	list, err := s.store.List(ctx, s.prefix(res, ""), storage.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return storageError(err, storageClassGVR.GroupResource(), "")
	}
	classes := make([]*storagev1.StorageClass, 0, len(list.Items))
	for _, obj := range list.Items {
		if sc, ok := obj.(*storagev1.StorageClass); ok {
			classes = append(classes, sc)
		}
	}
	class := defaultStorageClass(classes)
	if class == nil {
		return nil
	}
	name := class.Name
	pvc.Spec.StorageClassName = &name
	return nil
}

// defaultStorageClass picks among the classes marked default the newest,
// ties broken by name, so that adding a new default while moving off an
// old one never leaves claims without a class (Kubernetes ≥ 1.28).
func defaultStorageClass(classes []*storagev1.StorageClass) *storagev1.StorageClass {
	var best *storagev1.StorageClass
	for _, sc := range classes {
		if sc.Annotations[isDefaultClassAnnotation] != "true" && sc.Annotations[betaIsDefaultClassAnnotation] != "true" {
			continue
		}
		if best == nil {
			best = sc
			continue
		}
		t, bt := sc.CreationTimestamp.UnixNano(), best.CreationTimestamp.UnixNano()
		if t > bt || (t == bt && sc.Name < best.Name) {
			best = sc
		}
	}
	return best
}
