package apps

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
	"github.com/bosun-dev/bosun/internal/registry/core"
)

func statefulSetRules() registry.Rules {
	return registry.Rules{
		Default: func(obj runtime.Object) { defaultStatefulSet(obj.(*appsv1.StatefulSet)) },
		// Pod names are the set's name plus "-<ordinal>" and become hostnames,
		// so the name must be a DNS label, not a subdomain.
		NameValidation: apivalidation.NameIsDNSLabel,
		Validate: func(obj runtime.Object) field.ErrorList {
			return validateStatefulSetSpec(&obj.(*appsv1.StatefulSet).Spec, field.NewPath("spec"))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validateStatefulSetUpdate(obj.(*appsv1.StatefulSet), old.(*appsv1.StatefulSet))
		},
		ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, o := obj.(*appsv1.StatefulSet), old.(*appsv1.StatefulSet)
			errs := validateStatefulSetStatus(&n.Status, field.NewPath("status"))
			return append(errs, collisionCountNotDecremented(n.Status.CollisionCount, o.Status.CollisionCount, field.NewPath("status"))...)
		},
		Columns: statefulSetColumns,
		Row:     func(obj runtime.Object) []interface{} { return statefulSetRow(obj.(*appsv1.StatefulSet)) },
	}
}

func defaultStatefulSet(s *appsv1.StatefulSet) {
	spec := &s.Spec
	if spec.PodManagementPolicy == "" {
		spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	if spec.UpdateStrategy.Type == "" {
		spec.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
		if spec.UpdateStrategy.RollingUpdate == nil {
			spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
	}
	if ru := spec.UpdateStrategy.RollingUpdate; spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType && ru != nil && ru.Partition == nil {
		ru.Partition = int32Ptr(0)
	}
	if spec.PersistentVolumeClaimRetentionPolicy == nil {
		spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	if p := spec.PersistentVolumeClaimRetentionPolicy; p.WhenDeleted == "" {
		p.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if p := spec.PersistentVolumeClaimRetentionPolicy; p.WhenScaled == "" {
		p.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if spec.Replicas == nil {
		spec.Replicas = int32Ptr(1)
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = int32Ptr(10)
	}
	core.DefaultPodSpec(&spec.Template.Spec)
	// Claim templates are whole PersistentVolumeClaims and get their
	// defaults, status phase included, as kubectl get -o yaml shows.
	for i := range spec.VolumeClaimTemplates {
		pvc := &spec.VolumeClaimTemplates[i]
		if pvc.Spec.VolumeMode == nil {
			mode := corev1.PersistentVolumeFilesystem
			pvc.Spec.VolumeMode = &mode
		}
		if pvc.Status.Phase == "" {
			pvc.Status.Phase = corev1.ClaimPending
		}
	}
}

func validateStatefulSetSpec(spec *appsv1.StatefulSetSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch spec.PodManagementPolicy {
	case "":
		errs = append(errs, field.Required(fldPath.Child("podManagementPolicy"), ""))
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.Invalid(fldPath.Child("podManagementPolicy"), string(spec.PodManagementPolicy),
			fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement)))
	}
	errs = append(errs, validateStatefulSetUpdateStrategy(&spec.UpdateStrategy, fldPath.Child("updateStrategy"))...)
	if p := spec.PersistentVolumeClaimRetentionPolicy; p != nil {
		path := fldPath.Child("persistentVolumeClaimRetentionPolicy")
		errs = append(errs, validateRetentionPolicyType(p.WhenDeleted, path.Child("whenDeleted"))...)
		errs = append(errs, validateRetentionPolicyType(p.WhenScaled, path.Child("whenScaled"))...)
	}
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(int32Value(spec.Replicas)), fldPath.Child("replicas"))...)
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), fldPath.Child("minReadySeconds"))...)
	if spec.Ordinals != nil {
		// Kubernetes names this path with a literal dot.
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.Ordinals.Start), fldPath.Child("ordinals.start"))...)
	}
	selector, selErrs := validateSelector(spec.Selector, "statefulset", "", fldPath.Child("selector"))
	errs = append(errs, selErrs...)
	tPath := fldPath.Child("template")
	if selector != nil {
		errs = append(errs, selectorMatchesTemplate(selector, &spec.Template, tPath)...)
		// Like Kubernetes, only the template's metadata is checked, not its pod
		// spec: volume mounts may name claim templates, which are not volumes.
		errs = append(errs, metavalidation.ValidateLabels(spec.Template.Labels, tPath.Child("labels"))...)
		errs = append(errs, apivalidation.ValidateAnnotations(spec.Template.Annotations, tPath.Child("annotations"))...)
	}
	errs = append(errs, restartAlways(&spec.Template, tPath)...)
	if spec.Template.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(tPath.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in StatefulSet is not Supported"))
	}
	return errs
}

func validateStatefulSetUpdateStrategy(s *appsv1.StatefulSetUpdateStrategy, fldPath *field.Path) field.ErrorList {
	switch s.Type {
	case "":
		return field.ErrorList{field.Required(fldPath, "")}
	case appsv1.OnDeleteStatefulSetStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Invalid(fldPath.Child("rollingUpdate"), s.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType))}
		}
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if s.RollingUpdate != nil {
			return validateRollingUpdateStatefulSet(s.RollingUpdate, fldPath.Child("rollingUpdate"))
		}
	default:
		return field.ErrorList{field.Invalid(fldPath, s, fmt.Sprintf("must be '%s' or '%s'",
			appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType))}
	}
	return nil
}

func validateRollingUpdateStatefulSet(ru *appsv1.RollingUpdateStatefulSetStrategy, fldPath *field.Path) field.ErrorList {
	errs := apivalidation.ValidateNonnegativeField(int64(int32Value(ru.Partition)), fldPath.Child("partition"))
	if ru.MaxUnavailable != nil {
		path := fldPath.Child("maxUnavailable")
		errs = append(errs, ValidatePositiveIntOrPercent(*ru.MaxUnavailable, path)...)
		if IntOrPercentValue(*ru.MaxUnavailable) == 0 {
			errs = append(errs, field.Invalid(path, *ru.MaxUnavailable, "cannot be 0"))
		}
		errs = append(errs, IsNotMoreThan100Percent(*ru.MaxUnavailable, path)...)
	}
	return errs
}

func validateRetentionPolicyType(t appsv1.PersistentVolumeClaimRetentionPolicyType, fldPath *field.Path) field.ErrorList {
	switch t {
	case appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType:
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath, t, []appsv1.PersistentVolumeClaimRetentionPolicyType{
		appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType})}
}

// statefulSetForbiddenUpdate is Kubernetes' wording, kept verbatim because
// users and tools match on it.
const statefulSetForbiddenUpdate = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"

func validateStatefulSetUpdate(n, o *appsv1.StatefulSet) field.ErrorList {
	errs := validateStatefulSetSpec(&n.Spec, field.NewPath("spec"))
	// Everything else (selector, serviceName, volumeClaimTemplates,
	// podManagementPolicy) fixes the identity of pods and claims already made.
	clone := n.Spec.DeepCopy()
	clone.Replicas = o.Spec.Replicas
	clone.Ordinals = o.Spec.Ordinals
	clone.Template = o.Spec.Template
	clone.UpdateStrategy = o.Spec.UpdateStrategy
	clone.RevisionHistoryLimit = o.Spec.RevisionHistoryLimit
	clone.PersistentVolumeClaimRetentionPolicy = o.Spec.PersistentVolumeClaimRetentionPolicy
	clone.MinReadySeconds = o.Spec.MinReadySeconds
	if !apiequality.Semantic.DeepEqual(*clone, o.Spec) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"), statefulSetForbiddenUpdate))
	}
	return errs
}

func validateStatefulSetStatus(s *appsv1.StatefulSetStatus, fldPath *field.Path) field.ErrorList {
	counts := []count{
		{"replicas", int64(s.Replicas)},
		{"readyReplicas", int64(s.ReadyReplicas)},
		{"currentReplicas", int64(s.CurrentReplicas)},
		{"updatedReplicas", int64(s.UpdatedReplicas)},
		{"availableReplicas", int64(s.AvailableReplicas)},
		{"observedGeneration", s.ObservedGeneration},
	}
	counts = append(counts, optional("collisionCount", s.CollisionCount)...)
	errs := nonnegative(fldPath, counts...)
	const msg = "cannot be greater than status.replicas"
	errs = append(errs, notAbove(fldPath, "readyReplicas", s.ReadyReplicas, s.Replicas, msg)...)
	errs = append(errs, notAbove(fldPath, "currentReplicas", s.CurrentReplicas, s.Replicas, msg)...)
	errs = append(errs, notAbove(fldPath, "updatedReplicas", s.UpdatedReplicas, s.Replicas, msg)...)
	errs = append(errs, notAbove(fldPath, "availableReplicas", s.AvailableReplicas, s.Replicas, msg)...)
	return append(errs, notAbove(fldPath, "availableReplicas", s.AvailableReplicas, s.ReadyReplicas, "cannot be greater than status.readyReplicas")...)
}

var statefulSetColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
	ageColumn,
	containersColumn,
	imagesColumn,
}

func statefulSetRow(s *appsv1.StatefulSet) []interface{} {
	names, images := ContainerCells(s.Spec.Template.Spec.Containers)
	return []interface{}{
		s.Name,
		fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, int32Value(s.Spec.Replicas)),
		registry.Age(s.CreationTimestamp),
		names, images,
	}
}
