package core

import (
	"path"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// betaStorageClassAnnotation names a volume's or claim's class in the way
// that predates storageClassName, and still wins over it.
const betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class"

var reclaimPolicies = []corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain}

func persistentVolumeRules() registry.Rules {
	return registry.Rules{
		Default: func(obj runtime.Object) {
			pv := obj.(*corev1.PersistentVolume)
			if pv.Spec.PersistentVolumeReclaimPolicy == "" {
				pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
			}
			if pv.Spec.VolumeMode == nil {
				m := corev1.PersistentVolumeFilesystem
				pv.Spec.VolumeMode = &m
			}
			if hp := pv.Spec.HostPath; hp != nil && hp.Type == nil {
				t := corev1.HostPathUnset
				hp.Type = &t
			}
		},
		PrepareForCreate: func(obj runtime.Object) {
			pv := obj.(*corev1.PersistentVolume)
			now := metav1.Now()
			pv.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending, LastPhaseTransitionTime: &now}
		},
		Validate: func(obj runtime.Object) field.ErrorList {
			return validatePersistentVolumeSpec(&obj.(*corev1.PersistentVolume).Spec, field.NewPath("spec"))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			pv, o := obj.(*corev1.PersistentVolume), old.(*corev1.PersistentVolume)
			errs := validatePersistentVolumeSpec(&pv.Spec, field.NewPath("spec"))
			if !equality.Semantic.DeepEqual(pv.Spec.PersistentVolumeSource, o.Spec.PersistentVolumeSource) {
				errs = append(errs, field.Forbidden(field.NewPath("spec", "persistentvolumesource"), "spec.persistentvolumesource is immutable after creation"))
			}
			return append(errs, apivalidation.ValidateImmutableField(pv.Spec.VolumeMode, o.Spec.VolumeMode, field.NewPath("volumeMode"))...)
		},
		Columns: persistentVolumeColumns,
		Row:     func(obj runtime.Object) []interface{} { return persistentVolumeRow(obj.(*corev1.PersistentVolume)) },
	}
}

// pvSources names the set sources of a persistent volume by JSON field.
func pvSources(s *corev1.PersistentVolumeSource) []string {
	var set []string
	add := func(isSet bool, name string) {
		if isSet {
			set = append(set, name)
		}
	}
	add(s.GCEPersistentDisk != nil, "gcePersistentDisk")
	add(s.AWSElasticBlockStore != nil, "awsElasticBlockStore")
	add(s.HostPath != nil, "hostPath")
	add(s.Glusterfs != nil, "glusterfs")
	add(s.NFS != nil, "nfs")
	add(s.RBD != nil, "rbd")
	add(s.Quobyte != nil, "quobyte")
	add(s.Cinder != nil, "cinder")
	add(s.CephFS != nil, "cephfs")
	add(s.FC != nil, "fc")
	add(s.Flocker != nil, "flocker")
	add(s.FlexVolume != nil, "flexVolume")
	add(s.AzureFile != nil, "azureFile")
	add(s.VsphereVolume != nil, "vsphereVolume")
	add(s.AzureDisk != nil, "azureDisk")
	add(s.PhotonPersistentDisk != nil, "photonPersistentDisk")
	add(s.PortworxVolume != nil, "portworxVolume")
	add(s.ScaleIO != nil, "scaleIO")
	add(s.Local != nil, "local")
	add(s.StorageOS != nil, "storageos")
	add(s.CSI != nil, "csi")
	add(s.ISCSI != nil, "iscsi")
	return set
}

func validatePersistentVolumeSpec(spec *corev1.PersistentVolumeSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.AccessModes) == 0 {
		errs = append(errs, field.Required(fldPath.Child("accessModes"), ""))
	} else {
		errs = append(errs, validateAccessModes(spec.AccessModes, fldPath.Child("accessModes"))...)
	}
	capPath := fldPath.Child("capacity")
	if len(spec.Capacity) == 0 {
		errs = append(errs, field.Required(capPath, ""))
	}
	if _, ok := spec.Capacity[corev1.ResourceStorage]; len(spec.Capacity) > 0 && (!ok || len(spec.Capacity) > 1) {
		errs = append(errs, field.NotSupported(capPath, spec.Capacity, []corev1.ResourceName{corev1.ResourceStorage}))
	}
	for _, name := range sortedNames(spec.Capacity) {
		errs = append(errs, validateResourceQuantity(name, spec.Capacity[name], capPath.Key(string(name)))...)
	}
	switch spec.PersistentVolumeReclaimPolicy {
	case corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain:
	default:
		errs = append(errs, field.NotSupported(fldPath.Child("persistentVolumeReclaimPolicy"), spec.PersistentVolumeReclaimPolicy, reclaimPolicies))
	}
	if spec.StorageClassName != "" {
		errs = append(errs, subdomain(spec.StorageClassName, fldPath.Child("storageClassName"))...)
	}
	errs = append(errs, validateVolumeMode(spec.VolumeMode, fldPath.Child("volumeMode"))...)
	if na := spec.NodeAffinity; na != nil {
		p := fldPath.Child("nodeAffinity")
		if na.Required == nil {
			errs = append(errs, field.Required(p.Child("required"), "must specify required node constraints"))
		} else {
			errs = append(errs, validateNodeSelector(na.Required, p.Child("required"))...)
		}
	}

	set := pvSources(&spec.PersistentVolumeSource)
	if len(set) == 0 {
		return append(errs, field.Required(fldPath, "must specify a volume type"))
	}
	for _, extra := range set[1:] {
		errs = append(errs, field.Forbidden(fldPath.Child(extra), "may not specify more than 1 volume type"))
	}
	s := &spec.PersistentVolumeSource
	p := fldPath.Child(set[0])
	switch set[0] {
	case "hostPath":
		errs = append(errs, validateHostPath(s.HostPath.Path, s.HostPath.Type, p)...)
	case "local":
		if s.Local.Path == "" {
			errs = append(errs, field.Required(p.Child("path"), ""))
		} else {
			errs = append(errs, noBacksteps(s.Local.Path, p.Child("path"))...)
		}
		if spec.NodeAffinity == nil {
			errs = append(errs, field.Required(fldPath.Child("nodeAffinity"), "Local volume requires node affinity"))
		}
	case "nfs":
		if s.NFS.Server == "" {
			errs = append(errs, field.Required(p.Child("server"), ""))
		}
		if s.NFS.Path == "" {
			errs = append(errs, field.Required(p.Child("path"), ""))
		} else if !path.IsAbs(s.NFS.Path) {
			errs = append(errs, field.Invalid(p.Child("path"), s.NFS.Path, "must be an absolute path"))
		}
	case "csi":
		if s.CSI.Driver == "" {
			errs = append(errs, field.Required(p.Child("driver"), ""))
		}
		if s.CSI.VolumeHandle == "" {
			errs = append(errs, field.Required(p.Child("volumeHandle"), ""))
		}
	}
	return errs
}

var persistentVolumeColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Capacity", Type: "string", Description: corev1.PersistentVolumeSpec{}.SwaggerDoc()["capacity"]},
	{Name: "Access Modes", Type: "string", Description: corev1.PersistentVolumeSpec{}.SwaggerDoc()["accessModes"]},
	{Name: "Reclaim Policy", Type: "string", Description: corev1.PersistentVolumeSpec{}.SwaggerDoc()["persistentVolumeReclaimPolicy"]},
	{Name: "Status", Type: "string", Description: corev1.PersistentVolumeStatus{}.SwaggerDoc()["phase"]},
	{Name: "Claim", Type: "string", Description: corev1.PersistentVolumeSpec{}.SwaggerDoc()["claimRef"]},
	{Name: "StorageClass", Type: "string", Description: "StorageClass of the pv"},
	{Name: "VolumeAttributesClass", Type: "string", Description: "VolumeAttributesClass of the pv"},
	{Name: "Reason", Type: "string", Description: corev1.PersistentVolumeStatus{}.SwaggerDoc()["reason"]},
	ageColumn,
	{Name: "VolumeMode", Type: "string", Priority: 1, Description: corev1.PersistentVolumeSpec{}.SwaggerDoc()["volumeMode"]},
}

func persistentVolumeRow(pv *corev1.PersistentVolume) []interface{} {
	claim := ""
	if ref := pv.Spec.ClaimRef; ref != nil {
		claim = ref.Namespace + "/" + ref.Name
	}
	phase := string(pv.Status.Phase)
	if pv.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	class := pv.Spec.StorageClassName
	if a, ok := pv.Annotations[betaStorageClassAnnotation]; ok {
		class = a
	}
	size := pv.Spec.Capacity[corev1.ResourceStorage]
	return []interface{}{
		pv.Name, size.String(), accessModesString(pv.Spec.AccessModes), string(pv.Spec.PersistentVolumeReclaimPolicy),
		phase, claim, class, unsetOr(pv.Spec.VolumeAttributesClassName), pv.Status.Reason,
		registry.Age(pv.CreationTimestamp), volumeModeCell(pv.Spec.VolumeMode),
	}
}

func unsetOr(s *string) string {
	if s == nil {
		return "<unset>"
	}
	return *s
}

func volumeModeCell(m *corev1.PersistentVolumeMode) string {
	if m == nil {
		return "<unset>"
	}
	return string(*m)
}
