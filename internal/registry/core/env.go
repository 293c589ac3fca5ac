package core

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// envFieldPaths are the pod fields the downward API can put in environment
// variables; labels and annotations go by key (metadata.labels['app']).
var envFieldPaths = sets.New(
	"metadata.name", "metadata.namespace", "metadata.uid",
	"spec.nodeName", "spec.serviceAccountName",
	"status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
)

// volumeFieldPaths are those a downwardAPI volume can project as files.
var volumeFieldPaths = sets.New(
	"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
)

var envResources = sets.New(
	"limits.cpu", "limits.ephemeral-storage", "limits.memory",
	"requests.cpu", "requests.ephemeral-storage", "requests.memory",
)

// validateEnv uses Kubernetes' relaxed environment variable names (any
// printable ASCII but '='), the rule since RelaxedEnvironmentVariableValidation.
func validateEnv(env []corev1.EnvVar, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range env {
		p := fldPath.Index(i)
		if ev.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		}
		for _, msg := range validation.IsRelaxedEnvVarName(ev.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), ev.Name, msg))
		}
		errs = append(errs, validateEnvValueFrom(ev, p.Child("valueFrom"))...)
	}
	return errs
}

func validateEnvValueFrom(ev corev1.EnvVar, fldPath *field.Path) field.ErrorList {
	vf := ev.ValueFrom
	if vf == nil {
		return nil
	}
	var errs field.ErrorList
	sources := 0
	if vf.FieldRef != nil {
		sources++
		errs = append(errs, validateFieldRef(vf.FieldRef, envFieldPaths, fldPath.Child("fieldRef"))...)
	}
	if vf.ResourceFieldRef != nil {
		sources++
		errs = append(errs, validateResourceFieldRef(vf.ResourceFieldRef, true, fldPath.Child("resourceFieldRef"))...)
	}
	if vf.ConfigMapKeyRef != nil {
		sources++
		errs = append(errs, validateKeyRef(vf.ConfigMapKeyRef.Name, vf.ConfigMapKeyRef.Key, fldPath.Child("configMapKeyRef"))...)
	}
	if vf.SecretKeyRef != nil {
		sources++
		errs = append(errs, validateKeyRef(vf.SecretKeyRef.Name, vf.SecretKeyRef.Key, fldPath.Child("secretKeyRef"))...)
	}
	if vf.FileKeyRef != nil {
		sources++
	}
	switch {
	case sources == 0:
		errs = append(errs, field.Invalid(fldPath, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case ev.Value != "":
		errs = append(errs, field.Invalid(fldPath, "", "may not be specified when `value` is not empty"))
	case sources > 1:
		errs = append(errs, field.Invalid(fldPath, "", "may not have more than one field specified at a time"))
	}
	return errs
}

// validateFieldRef checks a downward API field reference against the paths
// allowed where it appears; labels and annotations may be named by key.
func validateFieldRef(f *corev1.ObjectFieldSelector, allowed sets.Set[string], fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if f.APIVersion == "" {
		return append(errs, field.Required(fldPath.Child("apiVersion"), ""))
	}
	if f.FieldPath == "" {
		return append(errs, field.Required(fldPath.Child("fieldPath"), ""))
	}
	p := fldPath.Child("fieldPath")
	if base, key, ok := subscript(f.FieldPath); ok {
		switch base {
		case "metadata.labels":
			errs = append(errs, messages(f.FieldPath, content.IsLabelKey(key), p)...)
		case "metadata.annotations":
			// Annotation keys are matched case-insensitively.
			errs = append(errs, messages(f.FieldPath, content.IsLabelKey(strings.ToLower(key)), p)...)
		default:
			errs = append(errs, field.Invalid(p, f.FieldPath, "does not support subscript"))
		}
		return errs
	}
	if !allowed.Has(f.FieldPath) {
		errs = append(errs, field.NotSupported(p, f.FieldPath, sets.List(allowed)))
	}
	return errs
}

// subscript splits "metadata.labels['app']" into its path and key.
func subscript(path string) (base, key string, ok bool) {
	i := strings.Index(path, "['")
	if i < 0 || !strings.HasSuffix(path, "']") {
		return "", "", false
	}
	return path[:i], path[i+2 : len(path)-2], true
}

func validateResourceFieldRef(r *corev1.ResourceFieldSelector, env bool, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !env && r.ContainerName == "" {
		errs = append(errs, field.Required(fldPath.Child("containerName"), ""))
	}
	switch {
	case r.Resource == "":
		errs = append(errs, field.Required(fldPath.Child("resource"), ""))
	case !envResources.Has(r.Resource) && !strings.HasPrefix(r.Resource, "limits.hugepages-") && !strings.HasPrefix(r.Resource, "requests.hugepages-"):
		errs = append(errs, field.NotSupported(fldPath.Child("resource"), r.Resource, sets.List(envResources)))
	}
	return errs
}

func validateKeyRef(name, key string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(fldPath.Child("name"), ""))
	} else {
		errs = append(errs, subdomain(name, fldPath.Child("name"))...)
	}
	if key == "" {
		errs = append(errs, field.Required(fldPath.Child("key"), ""))
	} else {
		errs = append(errs, messages(key, validation.IsConfigMapKey(key), fldPath.Child("key"))...)
	}
	return errs
}

func validateEnvFrom(sources []corev1.EnvFromSource, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, s := range sources {
		p := fldPath.Index(i)
		if s.Prefix != "" {
			for _, msg := range validation.IsRelaxedEnvVarName(s.Prefix) {
				errs = append(errs, field.Invalid(p.Child("prefix"), s.Prefix, msg))
			}
		}
		n := 0
		if s.ConfigMapRef != nil {
			n++
			errs = append(errs, requiredSubdomain(s.ConfigMapRef.Name, p.Child("configMapRef", "name"))...)
		}
		if s.SecretRef != nil {
			n++
			errs = append(errs, requiredSubdomain(s.SecretRef.Name, p.Child("secretRef", "name"))...)
		}
		switch {
		case n == 0:
			errs = append(errs, field.Invalid(p, "", "must specify one of: `configMapRef` or `secretRef`"))
		case n > 1:
			errs = append(errs, field.Invalid(p, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

func requiredSubdomain(name string, fldPath *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	return subdomain(name, fldPath)
}
