package apps

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
	"github.com/bosun-dev/bosun/internal/registry/core"
)

func deploymentRules() registry.Rules {
	return registry.Rules{
		Default: func(obj runtime.Object) { defaultDeployment(obj.(*appsv1.Deployment)) },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validateDeploymentSpec(&obj.(*appsv1.Deployment).Spec, field.NewPath("spec"))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validateDeploymentUpdate(obj.(*appsv1.Deployment), old.(*appsv1.Deployment))
		},
		ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, o := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
			errs := validateDeploymentStatus(&n.Status, field.NewPath("status"))
			return append(errs, collisionCountNotDecremented(n.Status.CollisionCount, o.Status.CollisionCount, field.NewPath("status"))...)
		},
		Columns: deploymentColumns,
		Row:     func(obj runtime.Object) []interface{} { return deploymentRow(obj.(*appsv1.Deployment)) },
	}
}

func defaultDeployment(d *appsv1.Deployment) {
	if d.Spec.Replicas == nil {
		d.Spec.Replicas = int32Ptr(1)
	}
	s := &d.Spec.Strategy
	if s.Type == "" {
		s.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if s.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if s.RollingUpdate == nil {
			s.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		if s.RollingUpdate.MaxUnavailable == nil {
			v := intstr.FromString("25%")
			s.RollingUpdate.MaxUnavailable = &v
		}
		if s.RollingUpdate.MaxSurge == nil {
			v := intstr.FromString("25%")
			s.RollingUpdate.MaxSurge = &v
		}
	}
	if d.Spec.RevisionHistoryLimit == nil {
		d.Spec.RevisionHistoryLimit = int32Ptr(10)
	}
	if d.Spec.ProgressDeadlineSeconds == nil {
		d.Spec.ProgressDeadlineSeconds = int32Ptr(600)
	}
	core.DefaultPodSpec(&d.Spec.Template.Spec)
}

func validateDeploymentSpec(spec *appsv1.DeploymentSpec, fldPath *field.Path) field.ErrorList {
	errs := apivalidation.ValidateNonnegativeField(int64(int32Value(spec.Replicas)), fldPath.Child("replicas"))
	selector, selErrs := validateSelector(spec.Selector, "deployment", "invalid label selector", fldPath.Child("selector"))
	errs = append(errs, selErrs...)
	if selector != nil {
		errs = append(errs, validateReplicaTemplate(&spec.Template, selector, "ReplicaSet", fldPath.Child("template"))...)
	}
	errs = append(errs, validateDeploymentStrategy(&spec.Strategy, fldPath.Child("strategy"))...)
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), fldPath.Child("minReadySeconds"))...)
	if spec.RevisionHistoryLimit != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*spec.RevisionHistoryLimit), fldPath.Child("revisionHistoryLimit"))...)
	}
	if p := spec.ProgressDeadlineSeconds; p != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*p), fldPath.Child("progressDeadlineSeconds"))...)
		if *p <= spec.MinReadySeconds {
			errs = append(errs, field.Invalid(fldPath.Child("progressDeadlineSeconds"), *p, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func validateDeploymentStrategy(s *appsv1.DeploymentStrategy, fldPath *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(fldPath.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
	case appsv1.RollingUpdateDeploymentStrategyType:
		if s.RollingUpdate == nil {
			return field.ErrorList{field.Required(fldPath.Child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		return validateRollingUpdateDeployment(s.RollingUpdate, fldPath.Child("rollingUpdate"))
	default:
		return field.ErrorList{field.NotSupported(fldPath, s, []appsv1.DeploymentStrategyType{appsv1.RecreateDeploymentStrategyType, appsv1.RollingUpdateDeploymentStrategyType})}
	}
	return nil
}

func validateRollingUpdateDeployment(ru *appsv1.RollingUpdateDeployment, fldPath *field.Path) field.ErrorList {
	maxUnavailable, maxSurge := deref(ru.MaxUnavailable), deref(ru.MaxSurge)
	errs := ValidatePositiveIntOrPercent(maxUnavailable, fldPath.Child("maxUnavailable"))
	errs = append(errs, ValidatePositiveIntOrPercent(maxSurge, fldPath.Child("maxSurge"))...)
	if IntOrPercentValue(maxUnavailable) == 0 && IntOrPercentValue(maxSurge) == 0 {
		// With neither headroom nor slack a rollout could never make progress.
		errs = append(errs, field.Invalid(fldPath.Child("maxUnavailable"), maxUnavailable, "may not be 0 when `maxSurge` is 0"))
	}
	return append(errs, IsNotMoreThan100Percent(maxUnavailable, fldPath.Child("maxUnavailable"))...)
}

func validateDeploymentUpdate(n, o *appsv1.Deployment) field.ErrorList {
	errs := validateDeploymentSpec(&n.Spec, field.NewPath("spec"))
	// apps/v1 made the selector immutable: changing it would orphan the
	// existing ReplicaSets and pods.
	return append(errs, apivalidation.ValidateImmutableField(n.Spec.Selector, o.Spec.Selector, field.NewPath("spec", "selector"))...)
}

func validateDeploymentStatus(s *appsv1.DeploymentStatus, fldPath *field.Path) field.ErrorList {
	counts := []count{
		{"observedGeneration", s.ObservedGeneration},
		{"replicas", int64(s.Replicas)},
		{"updatedReplicas", int64(s.UpdatedReplicas)},
		{"readyReplicas", int64(s.ReadyReplicas)},
		{"availableReplicas", int64(s.AvailableReplicas)},
		{"unavailableReplicas", int64(s.UnavailableReplicas)},
	}
	counts = append(counts, optional("terminatingReplicas", s.TerminatingReplicas)...)
	counts = append(counts, optional("collisionCount", s.CollisionCount)...)
	errs := nonnegative(fldPath, counts...)
	const msg = "cannot be greater than status.replicas"
	errs = append(errs, notAbove(fldPath, "updatedReplicas", s.UpdatedReplicas, s.Replicas, msg)...)
	errs = append(errs, notAbove(fldPath, "readyReplicas", s.ReadyReplicas, s.Replicas, msg)...)
	errs = append(errs, notAbove(fldPath, "availableReplicas", s.AvailableReplicas, s.Replicas, msg)...)
	return append(errs, notAbove(fldPath, "availableReplicas", s.AvailableReplicas, s.ReadyReplicas, "cannot be greater than readyReplicas")...)
}

var deploymentColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
	{Name: "Up-to-date", Type: "string", Description: appsv1.DeploymentStatus{}.SwaggerDoc()["updatedReplicas"]},
	{Name: "Available", Type: "string", Description: appsv1.DeploymentStatus{}.SwaggerDoc()["availableReplicas"]},
	ageColumn,
	containersColumn,
	imagesColumn,
	{Name: "Selector", Type: "string", Priority: 1, Description: appsv1.DeploymentSpec{}.SwaggerDoc()["selector"]},
}

func deploymentRow(d *appsv1.Deployment) []interface{} {
	selector := "<invalid>"
	if s, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err == nil {
		selector = s.String()
	}
	names, images := ContainerCells(d.Spec.Template.Spec.Containers)
	return []interface{}{
		d.Name,
		fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, int32Value(d.Spec.Replicas)),
		int64(d.Status.UpdatedReplicas),
		int64(d.Status.AvailableReplicas),
		registry.Age(d.CreationTimestamp),
		names, images, selector,
	}
}
