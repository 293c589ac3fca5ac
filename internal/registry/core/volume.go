package core

import (
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const fileModeMessage = "must be a number between 0 and 0777 (octal), both inclusive"

var hostPathTypes = []corev1.HostPathType{
	corev1.HostPathUnset, corev1.HostPathBlockDev, corev1.HostPathCharDev, corev1.HostPathDirectory,
	corev1.HostPathDirectoryOrCreate, corev1.HostPathFile, corev1.HostPathFileOrCreate, corev1.HostPathSocket,
}

// validateVolumes checks the pod's volumes and returns the valid ones by
// name, for the mounts to refer to.
func validateVolumes(vols []corev1.Volume, fldPath *field.Path) (map[string]corev1.VolumeSource, field.ErrorList) {
	var errs field.ErrorList
	valid := map[string]corev1.VolumeSource{}
	names := sets.New[string]()
	for i, v := range vols {
		p := fldPath.Index(i)
		np := p.Child("name")
		el := validateVolumeSource(&v.VolumeSource, p)
		if v.Name == "" {
			el = append(el, field.Required(np, ""))
		} else {
			el = append(el, dnsLabel(v.Name, np)...)
		}
		if names.Has(v.Name) {
			el = append(el, field.Duplicate(np, v.Name))
		}
		if len(el) == 0 {
			names.Insert(v.Name)
			valid[v.Name] = v.VolumeSource
		}
		errs = append(errs, el...)
	}
	return valid, errs
}

// volumeSources names the set sources of a volume, by JSON field name.
func volumeSources(s *corev1.VolumeSource) []string {
	var set []string
	add := func(isSet bool, name string) {
		if isSet {
			set = append(set, name)
		}
	}
	add(s.HostPath != nil, "hostPath")
	add(s.EmptyDir != nil, "emptyDir")
	add(s.GCEPersistentDisk != nil, "gcePersistentDisk")
	add(s.AWSElasticBlockStore != nil, "awsElasticBlockStore")
	add(s.GitRepo != nil, "gitRepo")
	add(s.Secret != nil, "secret")
	add(s.NFS != nil, "nfs")
	add(s.ISCSI != nil, "iscsi")
	add(s.Glusterfs != nil, "glusterfs")
	add(s.PersistentVolumeClaim != nil, "persistentVolumeClaim")
	add(s.RBD != nil, "rbd")
	add(s.FlexVolume != nil, "flexVolume")
	add(s.Cinder != nil, "cinder")
	add(s.CephFS != nil, "cephfs")
	add(s.Flocker != nil, "flocker")
	add(s.DownwardAPI != nil, "downwardAPI")
	add(s.FC != nil, "fc")
	add(s.AzureFile != nil, "azureFile")
	add(s.ConfigMap != nil, "configMap")
	add(s.VsphereVolume != nil, "vsphereVolume")
	add(s.Quobyte != nil, "quobyte")
	add(s.AzureDisk != nil, "azureDisk")
	add(s.PhotonPersistentDisk != nil, "photonPersistentDisk")
	add(s.Projected != nil, "projected")
	add(s.PortworxVolume != nil, "portworxVolume")
	add(s.ScaleIO != nil, "scaleIO")
	add(s.StorageOS != nil, "storageos")
	add(s.CSI != nil, "csi")
	add(s.Ephemeral != nil, "ephemeral")
	add(s.Image != nil, "image")
	return set
}

func validateVolumeSource(s *corev1.VolumeSource, fldPath *field.Path) field.ErrorList {
	set := volumeSources(s)
	if len(set) == 0 {
		return field.ErrorList{field.Required(fldPath, "must specify a volume type")}
	}
	var errs field.ErrorList
	for _, extra := range set[1:] {
		errs = append(errs, field.Forbidden(fldPath.Child(extra), "may not specify more than 1 volume type"))
	}
	p := fldPath.Child(set[0])
	switch set[0] {
	case "hostPath":
		errs = append(errs, validateHostPath(s.HostPath.Path, s.HostPath.Type, p)...)
	case "emptyDir":
		if l := s.EmptyDir.SizeLimit; l != nil && l.Sign() < 0 {
			errs = append(errs, field.Forbidden(p.Child("sizeLimit"), "SizeLimit field must be a valid resource quantity"))
		}
		if m := s.EmptyDir.Medium; m != corev1.StorageMediumDefault && m != corev1.StorageMediumMemory && !strings.HasPrefix(string(m), "HugePages") {
			errs = append(errs, field.NotSupported(p.Child("medium"), m, []corev1.StorageMedium{corev1.StorageMediumDefault, corev1.StorageMediumMemory, corev1.StorageMediumHugePages}))
		}
	case "secret":
		if s.Secret.SecretName == "" {
			errs = append(errs, field.Required(p.Child("secretName"), ""))
		}
		errs = append(errs, fileMode(s.Secret.DefaultMode, p.Child("defaultMode"))...)
		errs = append(errs, validateKeyToPaths(s.Secret.Items, p.Child("items"))...)
	case "configMap":
		if s.ConfigMap.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		} else {
			errs = append(errs, subdomain(s.ConfigMap.Name, p.Child("name"))...)
		}
		errs = append(errs, fileMode(s.ConfigMap.DefaultMode, p.Child("defaultMode"))...)
		errs = append(errs, validateKeyToPaths(s.ConfigMap.Items, p.Child("items"))...)
	case "persistentVolumeClaim":
		if s.PersistentVolumeClaim.ClaimName == "" {
			errs = append(errs, field.Required(p.Child("claimName"), ""))
		}
	case "downwardAPI":
		errs = append(errs, fileMode(s.DownwardAPI.DefaultMode, p.Child("defaultMode"))...)
		errs = append(errs, validateDownwardAPIFiles(s.DownwardAPI.Items, p.Child("items"))...)
	case "projected":
		errs = append(errs, validateProjected(s.Projected, p)...)
	case "nfs":
		if s.NFS.Server == "" {
			errs = append(errs, field.Required(p.Child("server"), ""))
		}
		if s.NFS.Path == "" {
			errs = append(errs, field.Required(p.Child("path"), ""))
		} else if !path.IsAbs(s.NFS.Path) {
			errs = append(errs, field.Invalid(p.Child("path"), s.NFS.Path, "must be an absolute path"))
		}
	case "gitRepo":
		if s.GitRepo.Repository == "" {
			errs = append(errs, field.Required(p.Child("repository"), ""))
		}
		errs = append(errs, noBacksteps(s.GitRepo.Directory, p.Child("directory"))...)
	case "csi":
		if s.CSI.Driver == "" {
			errs = append(errs, field.Required(p.Child("driver"), ""))
		}
	case "ephemeral":
		if s.Ephemeral.VolumeClaimTemplate == nil {
			errs = append(errs, field.Required(p.Child("volumeClaimTemplate"), ""))
		} else {
			errs = append(errs, validateClaimSpec(&s.Ephemeral.VolumeClaimTemplate.Spec, p.Child("volumeClaimTemplate", "spec"))...)
		}
	case "image":
		if s.Image.Reference == "" {
			errs = append(errs, field.Required(p.Child("reference"), ""))
		}
		if pp := s.Image.PullPolicy; pp != "" {
			errs = append(errs, validatePullPolicy(pp, p.Child("pullPolicy"))...)
		}
	}
	return errs
}

func validateHostPath(hp string, t *corev1.HostPathType, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if hp == "" {
		errs = append(errs, field.Required(fldPath.Child("path"), ""))
	} else {
		errs = append(errs, noBacksteps(hp, fldPath.Child("path"))...)
	}
	if t != nil {
		switch *t {
		case corev1.HostPathUnset, corev1.HostPathBlockDev, corev1.HostPathCharDev, corev1.HostPathDirectory,
			corev1.HostPathDirectoryOrCreate, corev1.HostPathFile, corev1.HostPathFileOrCreate, corev1.HostPathSocket:
		default:
			errs = append(errs, field.NotSupported(fldPath.Child("type"), *t, hostPathTypes))
		}
	}
	return errs
}

func fileMode(mode *int32, fldPath *field.Path) field.ErrorList {
	if mode == nil || (*mode >= 0 && *mode <= 0o777) {
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath, *mode, fileModeMessage)}
}

func validateKeyToPaths(items []corev1.KeyToPath, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, it := range items {
		p := fldPath.Index(i)
		if it.Key == "" {
			errs = append(errs, field.Required(p.Child("key"), ""))
		}
		errs = append(errs, validateProjectedPath(it.Path, p.Child("path"))...)
		errs = append(errs, fileMode(it.Mode, p.Child("mode"))...)
	}
	return errs
}

func validateDownwardAPIFiles(items []corev1.DownwardAPIVolumeFile, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, it := range items {
		p := fldPath.Index(i)
		errs = append(errs, validateProjectedPath(it.Path, p.Child("path"))...)
		errs = append(errs, fileMode(it.Mode, p.Child("mode"))...)
		switch {
		case it.FieldRef != nil && it.ResourceFieldRef != nil:
			errs = append(errs, field.Invalid(p, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		case it.FieldRef != nil:
			errs = append(errs, validateFieldRef(it.FieldRef, volumeFieldPaths, p.Child("fieldRef"))...)
		case it.ResourceFieldRef != nil:
			errs = append(errs, validateResourceFieldRef(it.ResourceFieldRef, false, p.Child("resourceFieldRef"))...)
		default:
			errs = append(errs, field.Required(p, "one of fieldRef and resourceFieldRef is required"))
		}
	}
	return errs
}

func validateProjected(pv *corev1.ProjectedVolumeSource, fldPath *field.Path) field.ErrorList {
	errs := fileMode(pv.DefaultMode, fldPath.Child("defaultMode"))
	for i, src := range pv.Sources {
		p := fldPath.Child("sources").Index(i)
		n := 0
		if src.Secret != nil {
			n++
			if src.Secret.Name == "" {
				errs = append(errs, field.Required(p.Child("secret", "name"), ""))
			}
			errs = append(errs, validateKeyToPaths(src.Secret.Items, p.Child("secret", "items"))...)
		}
		if src.ConfigMap != nil {
			n++
			if src.ConfigMap.Name == "" {
				errs = append(errs, field.Required(p.Child("configMap", "name"), ""))
			}
			errs = append(errs, validateKeyToPaths(src.ConfigMap.Items, p.Child("configMap", "items"))...)
		}
		if src.DownwardAPI != nil {
			n++
			errs = append(errs, validateDownwardAPIFiles(src.DownwardAPI.Items, p.Child("downwardAPI", "items"))...)
		}
		if t := src.ServiceAccountToken; t != nil {
			n++
			if t.ExpirationSeconds != nil && *t.ExpirationSeconds < 600 {
				errs = append(errs, field.Invalid(p.Child("serviceAccountToken", "expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration less than 10 minutes"))
			}
			if t.Path == "" {
				errs = append(errs, field.Required(p.Child("serviceAccountToken", "path"), ""))
			}
		}
		if src.ClusterTrustBundle != nil {
			n++
		}
		if src.PodCertificate != nil {
			n++
		}
		if n > 1 {
			errs = append(errs, field.Forbidden(p, "may not specify more than 1 volume type per source"))
		}
	}
	return errs
}

// validateProjectedPath: a file inside the volume, never outside it.
func validateProjectedPath(target string, fldPath *field.Path) field.ErrorList {
	if target == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	errs := validateLocalDescendingPath(target, fldPath)
	if strings.HasPrefix(target, "..") {
		errs = append(errs, field.Invalid(fldPath, target, "must not start with '..'"))
	}
	return errs
}

func validateLocalDescendingPath(target string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if path.IsAbs(target) {
		errs = append(errs, field.Invalid(fldPath, target, "must be a relative path"))
	}
	return append(errs, noBacksteps(target, fldPath)...)
}

func noBacksteps(target string, fldPath *field.Path) field.ErrorList {
	for _, part := range strings.Split(strings.ReplaceAll(target, `\`, "/"), "/") {
		if part == ".." {
			return field.ErrorList{field.Invalid(fldPath, target, "must not contain '..'")}
		}
	}
	return nil
}
