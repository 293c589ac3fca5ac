// Package storage holds the defaulting, validation and table rules of the
// storage.k8s.io API group (StorageClass, VolumeAttachment, CSIDriver,
// CSINode), matching kube-apiserver for storage/v1.
package storage
