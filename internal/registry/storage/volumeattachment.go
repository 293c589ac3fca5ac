package storage

import (
	storagev1 "k8s.io/api/storage/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Status limits, so one attachment cannot bloat every watch of the kind.
const (
	maxAttachmentMetadataSize = 256 * 1024
	maxVolumeErrorMessageSize = 1024
)

func volumeAttachmentRules() registry.Rules {
	return registry.Rules{
		Validate: func(obj runtime.Object) field.ErrorList {
			return validateVolumeAttachment(obj.(*storagev1.VolumeAttachment))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, o := obj.(*storagev1.VolumeAttachment), old.(*storagev1.VolumeAttachment)
			errs := validateVolumeAttachment(n)
			// The attacher acts on the spec once; a changed spec would
			// describe an attachment that never happened.
			if !apiequality.Semantic.DeepEqual(n.Spec, o.Spec) {
				errs = append(errs, field.Invalid(field.NewPath("spec"), n.Spec, apivalidation.FieldImmutableErrorMsg))
			}
			return errs
		},
		ValidateStatusUpdate: func(obj, _ runtime.Object) field.ErrorList {
			return validateAttachmentStatus(&obj.(*storagev1.VolumeAttachment).Status, field.NewPath("status"))
		},
		Columns: []metav1.TableColumnDefinition{
			nameColumn,
			{Name: "Attacher", Type: "string", Format: "name", Description: storagev1.VolumeAttachmentSpec{}.SwaggerDoc()["attacher"]},
			{Name: "PV", Type: "string", Description: storagev1.VolumeAttachmentSource{}.SwaggerDoc()["persistentVolumeName"]},
			{Name: "Node", Type: "string", Description: storagev1.VolumeAttachmentSpec{}.SwaggerDoc()["nodeName"]},
			{Name: "Attached", Type: "boolean", Description: storagev1.VolumeAttachmentStatus{}.SwaggerDoc()["attached"]},
			ageColumn,
		},
		Row: func(obj runtime.Object) []interface{} {
			va := obj.(*storagev1.VolumeAttachment)
			pv := ""
			if va.Spec.Source.PersistentVolumeName != nil {
				pv = *va.Spec.Source.PersistentVolumeName
			}
			return []interface{}{va.Name, va.Spec.Attacher, pv, va.Spec.NodeName, va.Status.Attached, registry.Age(va.CreationTimestamp)}
		},
	}
}

func validateVolumeAttachment(va *storagev1.VolumeAttachment) field.ErrorList {
	spec := field.NewPath("spec")
	errs := validateDriverName(va.Spec.Attacher, spec.Child("attacher"))
	src := va.Spec.Source
	srcPath := spec.Child("source")
	switch {
	case src.InlineVolumeSpec == nil && src.PersistentVolumeName == nil:
		errs = append(errs, field.Required(srcPath, "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
	case src.InlineVolumeSpec != nil && src.PersistentVolumeName != nil:
		errs = append(errs, field.Forbidden(srcPath, "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
	case src.PersistentVolumeName != nil:
		if *src.PersistentVolumeName == "" {
			errs = append(errs, field.Required(srcPath.Child("persistentVolumeName"), "must specify non empty persistentVolumeName"))
		}
		for _, msg := range apivalidation.NameIsDNSSubdomain(*src.PersistentVolumeName, false) {
			if *src.PersistentVolumeName != "" {
				errs = append(errs, field.Invalid(srcPath.Child("persistentVolumeName"), *src.PersistentVolumeName, msg))
			}
		}
	}
	for _, msg := range apivalidation.NameIsDNSSubdomain(va.Spec.NodeName, false) {
		errs = append(errs, field.Invalid(spec.Child("nodeName"), va.Spec.NodeName, msg))
	}
	return append(errs, validateAttachmentStatus(&va.Status, field.NewPath("status"))...)
}

func validateAttachmentStatus(st *storagev1.VolumeAttachmentStatus, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for k, v := range st.AttachmentMetadata {
		size += len(k) + len(v)
	}
	if size > maxAttachmentMetadataSize {
		errs = append(errs, field.TooLong(fldPath.Child("attachmentMetadata"), "", maxAttachmentMetadataSize))
	}
	for _, e := range []struct {
		name string
		err  *storagev1.VolumeError
	}{{"attachError", st.AttachError}, {"detachError", st.DetachError}} {
		if e.err != nil && len(e.err.Message) > maxVolumeErrorMessageSize {
			errs = append(errs, field.TooLong(fldPath.Child(e.name, "message"), "", maxVolumeErrorMessageSize))
		}
	}
	return errs
}
