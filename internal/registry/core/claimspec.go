package core

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	accessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOnce, corev1.ReadWriteOncePod}
	volumeModes = []corev1.PersistentVolumeMode{corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem}
)

// validateClaimSpec checks a claim's spec, for claims and for the claim
// templates of ephemeral volumes.
func validateClaimSpec(s *corev1.PersistentVolumeClaimSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateAccessModes(s.AccessModes, fldPath.Child("accessModes"))...)
	if s.Selector != nil {
		errs = append(errs, labelSelector(s.Selector, fldPath.Child("selector"))...)
	}
	storage, ok := s.Resources.Requests[corev1.ResourceStorage]
	switch {
	case !ok:
		errs = append(errs, field.Required(fldPath.Child("resources").Key(string(corev1.ResourceStorage)), ""))
	case storage.Sign() <= 0:
		errs = append(errs, field.Invalid(fldPath.Child("resources", "requests").Key(string(corev1.ResourceStorage)), storage.String(), "must be greater than zero"))
	}
	for name, q := range s.Resources.Requests {
		errs = append(errs, validateResourceQuantity(name, q, fldPath.Child("resources", "requests").Key(string(name)))...)
	}
	if s.StorageClassName != nil && *s.StorageClassName != "" {
		errs = append(errs, subdomain(*s.StorageClassName, fldPath.Child("storageClassName"))...)
	}
	errs = append(errs, validateVolumeMode(s.VolumeMode, fldPath.Child("volumeMode"))...)
	return errs
}

func validateAccessModes(modes []corev1.PersistentVolumeAccessMode, fldPath *field.Path) field.ErrorList {
	if len(modes) == 0 {
		return field.ErrorList{field.Required(fldPath, "at least 1 access mode is required")}
	}
	var errs field.ErrorList
	pod := false
	for _, m := range modes {
		switch m {
		case corev1.ReadWriteOncePod:
			pod = true
		case corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany:
		default:
			errs = append(errs, field.NotSupported(fldPath, m, accessModes))
		}
	}
	if pod && len(modes) > 1 {
		errs = append(errs, field.Forbidden(fldPath, "may not use ReadWriteOncePod with other access modes"))
	}
	return errs
}

func validateVolumeMode(m *corev1.PersistentVolumeMode, fldPath *field.Path) field.ErrorList {
	if m == nil || *m == corev1.PersistentVolumeBlock || *m == corev1.PersistentVolumeFilesystem {
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath, *m, volumeModes)}
}
